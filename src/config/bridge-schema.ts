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
import { parseJavaType } from '../core/java-types.js';

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
  .object({ name: z.string().regex(/^[A-Za-z_$][\w$]*$/, 'expected a method name'), params: z.array(typeText).default([]), returns: typeText.optional() })
  .strict();

const classSchema = z
  .object({ className: javaName, fields: z.array(z.object({ name: z.string().min(1), type: typeText }).strict()).default([]) })
  .strict();

const enumSchema = z.object({ className: javaName, constants: z.array(z.string().min(1)).default([]) }).strict();

export const bridgeSchema = z
  .object({
    /**
     * Largest bridged body, bytes, checked from Content-Length before reading and while
     * streaming. Absent: the frame limit (defaults.maxFrameBytes), filled in when the
     * config is read, so /config shows the number in force.
     */
    maxBodyBytes: z.number().int().positive().optional(),
    /** Most JSON values in a call's arguments (elements, members, containers), counted while the body streams. */
    maxJsonValues: z.number().int().positive().default(100_000),
    /** Deepest nesting inside a call's arguments. */
    maxJsonDepth: z.number().int().positive().max(1_000).default(64),
    /**
     * Callers may call Dubbo's generic `$invoke` / `$invokeAsync` themselves. Off: the
     * generic mode decides how the provider deserializes (CVE-2021-30179); the mesh makes
     * generic calls itself, in the safe default mode, when it has no types.
     */
    allowGenericInvoke: z.boolean().default(false),
    allowClasses: z.array(javaName).default([]),
    denyClasses: z.array(javaName).default([]),
    services: z
      .array(
        z
          .object({
            service: javaName,
            methods: z.array(methodSchema).default([]),
            classes: z.array(classSchema).default([]),
            enums: z.array(enumSchema).default([]),
          })
          .strict(),
      )
      .default([]),
  })
  .strict()
  .default({});

export type BridgeConfig = z.infer<typeof bridgeSchema>;
