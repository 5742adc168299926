/**
 * The `bridge:` section: what the HTTP/JSON and gRPC bridge may send and what it knows
 * of the services it calls, so apps can send plain JSON.
 *
 *   bridge:
 *     maxBodyBytes: 8388608                  # default: defaults.maxFrameBytes
 *     maxJsonValues: 100000
 *     maxJsonDepth: 64
 *     allowGenericInvoke: false              # callers' own Dubbo $invoke
 *     allowClasses: [com.example.]           # exact names, or package prefixes ending in "."
 *     denyClasses: [com.example.internal.]   # on top of the built-in gadget list
 *     services:
 *       - service: com.example.OrderService
 *         methods: [{ name: place, params: [com.example.Order], returns: long }]
 *         classes: [{ className: com.example.Order, fields: [{ name: id, type: long }, { name: items, type: "java.util.List<com.example.Item>" }] }]
 *         enums: [{ className: com.example.Color, constants: [RED, GREEN] }]
 *
 * Classes and enums declared here are allowed implicitly.
 */
import { z } from 'zod';
import { parseJavaType } from '../bridge/java-types.js';

const javaName = z.string().regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*\.?$/, 'expected a Java class name or a package prefix ending in "."');
/** A Java type as parseJavaType reads it (`long`, `int[]`, `java.util.List<com.example.Item>`). */
const typeText = z
  .string()
  .min(1)
  .max(1024)
  .superRefine((text, ctx) => {
    try {
      parseJavaType(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `not a Java type: ${(error as Error).message}` });
    }
  });

const methodSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z_$][\w$]*$/, 'expected a method name').describe('The Java method name. Example: `place`'),
    params: z.array(typeText).default([]).describe('Its parameter types, in order. Example: `[com.example.Order, long]`'),
    returns: typeText.optional().describe('Its return type, so answers get exact Java types. Example: `long`'),
  })
  .strict();

const classSchema = z
  .object({
    className: javaName.describe('The POJO\'s class. Example: `com.example.Order`'),
    fields: z
      .array(z.object({ name: z.string().min(1).describe('Field name, as in the Java class.'), type: typeText.describe('Field type. Example: `java.util.List<com.example.Item>`') }).strict())
      .default([])
      .describe('The fields, in the Java class\'s declaration order (Hessian writes them in that order).'),
  })
  .strict();

const enumSchema = z
  .object({
    className: javaName.describe('The enum\'s class. Example: `com.example.Color`'),
    constants: z.array(z.string().min(1)).default([]).describe('Its constants. Example: `[RED, GREEN]`'),
  })
  .strict();

export const bridgeSchema = z
  .object({
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Largest bridged body, bytes, checked from Content-Length before reading and while streaming (413). Default: `defaults.maxFrameBytes`, filled in when the config is read.'),
    maxJsonValues: z
      .number()
      .int()
      .positive()
      .default(100_000)
      .describe('Most values in a call\'s arguments (elements, members, containers), counted while the body streams (413).'),
    maxJsonDepth: z.number().int().positive().max(1_000).default(64).describe('Deepest nesting inside a call\'s arguments (400).'),
    allowGenericInvoke: z
      .boolean()
      .default(false)
      .describe('Callers may call Dubbo\'s generic `$invoke` / `$invokeAsync` themselves. Off: a caller-chosen generic mode is how CVE-2021-30179 is reached; the mesh makes generic calls itself, in the safe default mode, when it has no types.'),
    allowClasses: z.array(javaName).default([]).describe('Classes the bridge may send or read besides JDK value classes and the classes declared below: exact names, or package prefixes ending in `.`. Example: `[com.example.]`'),
    denyClasses: z.array(javaName).default([]).describe('Refused even if allowed, on top of the built-in list of gadget classes. Example: `[com.example.internal.]`'),
    services: z
      .array(
        z
          .object({
            service: javaName.describe('The service interface. Example: `com.example.OrderService`'),
            methods: z.array(methodSchema).default([]).describe('Method signatures, so apps send plain JSON.'),
            classes: z.array(classSchema).default([]).describe('POJO schemas; each is allowed implicitly.'),
            enums: z.array(enumSchema).default([]).describe('Enum schemas; each is allowed implicitly.'),
          })
          .strict(),
      )
      .default([])
      .describe('What the bridge knows of the services it calls.'),
  })
  .strict()
  .default({})
  .describe('The HTTP/JSON and gRPC bridge to Dubbo and SOFARPC: which classes may cross, and the types of the services it calls.');

export type BridgeConfig = z.infer<typeof bridgeSchema>;
