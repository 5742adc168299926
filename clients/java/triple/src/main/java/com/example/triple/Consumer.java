package com.example.triple;

import com.google.protobuf.StringValue;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.rpc.RpcException;

/**
 * A Triple consumer CLI connecting straight to HOST:PORT (a provider or a sidecar).
 *
 * Usage: Consumer [--version V] [--group G] [--timeout MS] HOST:PORT COMMAND [ARGS]
 * Commands: greet NAME (non-IDL), pbGreet NAME (protobuf), add A B, sleep MS, fail REASON,
 * and the streaming ones of StreamCalls (serverStream, clientStream, bidi, bidiCancel).
 * Prints one line "RESULT {json}" with call, outcome (ok|timeout|error), value (for a
 * stream: an array of the messages received, in order) or message,
 * then "DONE ok=N failed=M"; exits 0 iff the call succeeded.
 */
public final class Consumer {
    private Consumer() {}

    public static void main(String[] args) throws Exception {
        String version = null;
        String group = null;
        int timeout = 10_000;
        int i = 0;
        for (; i < args.length && args[i].startsWith("--"); i += 2) {
            switch (args[i]) {
                case "--version" -> version = args[i + 1];
                case "--group" -> group = args[i + 1];
                case "--timeout" -> timeout = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (args.length - i < 2) {
            System.err.println("usage: Consumer [--version V] [--group G] [--timeout MS] HOST:PORT COMMAND [ARGS]");
            System.exit(2);
        }
        String address = args[i];
        String command = args[i + 1];
        String[] rest = java.util.Arrays.copyOfRange(args, i + 2, args.length);
        Loopback.settings();
        DubboBootstrap.getInstance().application(Loopback.application("pmesh-triple-consumer")).start();

        boolean pb = command.equals("pbGreet") || StreamCalls.onPbGreeter(command);
        ReferenceConfig<Object> reference = new ReferenceConfig<>();
        reference.setInterface(pb ? PbGreeter.class : Greeter.class);
        reference.setUrl("tri://" + address);
        reference.setTimeout(timeout);
        reference.setRetries(0);
        reference.setCheck(false);
        if (version != null) reference.setVersion(version);
        if (group != null) reference.setGroup(group);
        Object proxy = reference.get();

        String line;
        boolean ok = false;
        try {
            Object value = !StreamCalls.handles(command) ? unary(proxy, command, rest)
                    : pb ? StreamCalls.runPb((PbGreeter) proxy, command, rest)
                    : StreamCalls.run((Greeter) proxy, command, rest);
            line = "{\"call\":" + quote(command) + ",\"outcome\":\"ok\",\"value\":" + json(value) + "}";
            ok = true;
        } catch (RpcException e) {
            String outcome = e.isTimeout() ? "timeout" : "error";
            line = "{\"call\":" + quote(command) + ",\"outcome\":\"" + outcome + "\",\"code\":" + e.getCode() + ",\"message\":" + quote(String.valueOf(e.getMessage())) + "}";
        } catch (Exception e) {
            line = "{\"call\":" + quote(command) + ",\"outcome\":\"error\",\"type\":" + quote(e.getClass().getName()) + ",\"message\":" + quote(String.valueOf(e.getMessage())) + "}";
        }
        System.out.println("RESULT " + line);
        System.out.println("DONE ok=" + (ok ? 1 : 0) + " failed=" + (ok ? 0 : 1));
        System.out.flush();
        DubboBootstrap.getInstance().stop();
        System.exit(ok ? 0 : 1);
    }

    private static Object unary(Object proxy, String command, String[] rest) {
        return switch (command) {
            case "greet" -> ((Greeter) proxy).greet(rest[0]);
            case "pbGreet" -> ((PbGreeter) proxy).greet(StringValue.of(rest[0])).getValue();
            case "add" -> ((Greeter) proxy).add(Integer.parseInt(rest[0]), Integer.parseInt(rest[1]));
            case "sleep" -> ((Greeter) proxy).sleep(Integer.parseInt(rest[0]));
            case "fail" -> ((Greeter) proxy).fail(rest[0]);
            default -> throw new IllegalArgumentException("unknown command " + command);
        };
    }

    private static String json(Object value) {
        if (value instanceof Number) return value.toString();
        if (value instanceof java.util.List<?> list) {
            return "[" + String.join(",", list.stream().map(item -> quote(String.valueOf(item))).toList()) + "]";
        }
        return quote(String.valueOf(value));
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        return out.append('"').toString();
    }
}
