package com.example;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

public class Person implements Serializable {
    private static final long serialVersionUID = 1L;

    private String name;
    private int age;
    private long id;
    private List<String> tags = new ArrayList<>();

    public Person() {}

    public Person(String name, int age, long id, List<String> tags) {
        this.name = name;
        this.age = age;
        this.id = id;
        this.tags = tags;
    }

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public int getAge() { return age; }
    public void setAge(int age) { this.age = age; }
    public long getId() { return id; }
    public void setId(long id) { this.id = id; }
    public List<String> getTags() { return tags; }
    public void setTags(List<String> tags) { this.tags = tags; }

    @Override
    public String toString() {
        return "Person{name=" + name + ", age=" + age + ", id=" + id + ", tags=" + tags + "}";
    }
}
