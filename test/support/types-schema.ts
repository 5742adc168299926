/**
 * The bridge config for com.example.types.TypesService (clients/java/types): method
 * signatures and the POJO and enum schemas, so apps can send plain JSON. Shared by the
 * tests that call it from HTTP, Python and Go.
 */
export const TYPES_SERVICE = 'com.example.types.TypesService';

export const TYPES_SCHEMA = `
bridge:
  services:
    - service: com.example.types.TypesService
      methods:
        - { name: sampleOrder, params: [], returns: com.example.types.Order }
        - { name: checkOrder, params: [com.example.types.Order], returns: java.lang.String }
        - { name: echoOrder, params: [com.example.types.Order], returns: com.example.types.Order }
        - { name: echoLong, params: [long], returns: long }
        - { name: echoDecimal, params: [java.math.BigDecimal], returns: java.math.BigDecimal }
        - { name: echoDate, params: [java.util.Date], returns: java.util.Date }
        - { name: echoColor, params: [com.example.types.Color], returns: com.example.types.Color }
        - { name: echoChar, params: [char], returns: char }
        - { name: echoMap, params: ["java.util.Map<java.lang.Integer,java.lang.String>"], returns: "java.util.Map<java.lang.Integer,java.lang.String>" }
      classes:
        - className: com.example.types.Order
          # In the order Java's Hessian writes them (its class definition): Dubbo's
          # hessian-lite reads primitive fields correctly only in that order.
          fields:
            - { name: tags, type: "java.util.Map<java.lang.Integer,java.lang.String>" }
            - { name: labels, type: "java.util.Set<java.lang.String>" }
            - { name: items, type: "java.util.List<com.example.types.Item>" }
            - { name: customer, type: com.example.types.Customer }
            - { name: color, type: com.example.types.Color }
            - { name: counts, type: "int[]" }
            - { name: payload, type: "byte[]" }
            - { name: serial, type: java.math.BigInteger }
            - { name: total, type: java.math.BigDecimal }
            - { name: created, type: java.util.Date }
            - { name: missing, type: java.lang.String }
            - { name: note, type: java.lang.String }
            - { name: grade, type: char }
            - { name: paid, type: boolean }
            - { name: weight, type: double }
            - { name: ratio, type: float }
            - { name: flag, type: byte }
            - { name: priority, type: short }
            - { name: count, type: int }
            - { name: id, type: long }
        - className: com.example.types.Customer
          fields:
            - { name: name, type: java.lang.String }
            - { name: address, type: com.example.types.Address }
            - { name: phones, type: "java.util.List<java.lang.String>" }
        - className: com.example.types.Address
          fields: [{ name: city, type: java.lang.String }, { name: zip, type: java.lang.String }]
        - className: com.example.types.Item
          fields:
            - { name: sku, type: java.lang.String }
            - { name: quantity, type: int }
            - { name: price, type: java.math.BigDecimal }
            - { name: color, type: com.example.types.Color }
      enums:
        - { className: com.example.types.Color, constants: [RED, GREEN, BLUE] }
`;

/** `"different: ratio, grade"` -> ['ratio', 'grade']; `"equal"` -> []. */
export function changedFields(verdict: string): string[] {
  const text = JSON.parse(verdict) as string;
  return text === 'equal' ? [] : text.replace(/^different: /, '').split(', ');
}
