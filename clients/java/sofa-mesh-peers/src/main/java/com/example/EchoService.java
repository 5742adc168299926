package com.example;

/** The service the two mesh apps share; named as in the other SOFARPC peers so routes and registry keys match. */
public interface EchoService {
    String echo(String text);
}
