package com.example.values;

import java.math.BigDecimal;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A service over every value type, for the Dubbo metadata golden (service-definition.json). */
public interface ValuesService {
    Order order(Customer customer, List<String> notes);

    Map<Long, String> names(Set<Long> ids);

    Primitives primitives(Primitives p);

    Color paint(Color color, int[] weights);

    BigDecimal total(BigDecimal a, BigDecimal b);

    Date when(long millis);

    String find(int id);

    String find(String name);
}
