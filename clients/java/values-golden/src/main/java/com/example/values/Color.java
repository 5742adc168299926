package com.example.values;

public enum Color { RED, GREEN, BLUE }
