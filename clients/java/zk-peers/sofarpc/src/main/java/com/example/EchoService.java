package com.example;

/**
 * The registry tests' service. Same name and echo(String) signature as the other peers'
 * com.example.EchoService, so a consumer built here can call those providers too.
 */
public interface EchoService {
    String echo(String text);
}
