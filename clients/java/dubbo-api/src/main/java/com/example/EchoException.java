package com.example;

/** The provider's business exception: travels back as a result with an exception (status 20). */
public class EchoException extends Exception {
    private static final long serialVersionUID = 1L;

    public EchoException() {}

    public EchoException(String message) {
        super(message);
    }
}
