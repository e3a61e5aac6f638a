package dev.lumen.gateway;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generates malformed and hostile requests, each invalid for a known reason: bad JSON, wrong types,
 * out-of-range values, huge or empty prompts, bad sizes, unknown fields, bad UTF-8, oversized
 * bodies, wrong media types, missing or wrong keys, ids of other tenants.
 */
final class BadInput {
    /** One request: method, path, Authorization header (or null), content type (or null), body (or null). */
    record Request(String why, String method, String path, String auth, String contentType, byte[] body,
                   String idempotencyKey) {
    }

    private static final String VALID = "{\"prompt\":\"a cat\",\"size\":\"256x256\",\"steps\":4,\"n\":1}";
    private static final String[][] WRONG_VALUES = {
            {"prompt", "123", "true", "[]", "{}", "\"\"", "\"   \"", "null", "\"a\\u0000b\""},
            {"n", "\"2\"", "2.5", "true", "[]", "0", "5", "-1", "1e400", "99999999999999999999"},
            {"size", "512", "[\"512x512\"]", "\"0x0\"", "\"63x64\"", "\"2056x512\"", "\"513x512\"", "\"axb\"", "\"512*512\"",
                    "\"-512x512\"", "\"512x512x3\"", "\"99999x8\"", "\"\"", "\" 512x512\""},
            {"seed", "\"1\"", "1.5", "-1", "9007199254740993", "1152921504606846976", "true"},
            {"steps", "\"4\"", "0", "51", "4.5", "{}"},
            {"guidance_scale", "\"3\"", "-1", "20.5", "[]", "true"},
            {"sampler", "\"euler\"", "1", "\"LCM\"", "[]"},
            {"priority", "11", "-11", "\"1\"", "1.5"},
            {"model", "\"dall-e-3\"", "7", "\"\"", "[\"pixart-512\"]"},
            {"negative_prompt", "5", "[]"},
            {"layout", "5", "\"x\"", "\"AUTO\"", "[]", "{\"regions\":[]}", "{\"regions\":[{\"box\":[0.5,0,0.4,1],\"caption\":\"a\"}]}",
                    "{\"regions\":[{\"box\":[0,0,1],\"caption\":\"a\"}]}", "{\"regions\":[{\"box\":[0,0,1,2],\"caption\":\"a\"}]}",
                    "{\"regions\":[{\"box\":[0,0,1,1]}]}", "{\"regions\":[{\"box\":[0,0,1,1],\"caption\":\"a\",\"x\":1}]}",
                    "{\"regions\":[{\"box\":[\"0\",0,1,1],\"caption\":\"a\"}]}", "{\"regions\":5}", "{\"caption\":1,\"regions\":[]}"},
            {"token_density", "5", "\"x\"", "[1]", "true", "0", "1.5", "-0.5", "\"turbo\"", "\"balanced-mirror\"", "{}",
                    "{\"schedule\":[1,0.5]}", "{\"rules\":[]}", "{\"rules\":[7]}", "{\"rules\":[{\"op\":\"prune\"}]}",
                    "{\"rules\":[{\"op\":\"kv_pool\",\"blocks\":\"7-3\"}]}", "{\"rules\":[{\"op\":\"kv_pool\",\"t\":[900,800]}]}",
                    "{\"rules\":[{\"op\":\"coarse\",\"s\":3}]}", "{\"rules\":[{\"op\":\"mean_v\"}]}",
                    "{\"rules\":[{\"op\":\"kv_pool_local\"}]}", "{\"rules\":[{\"op\":\"kv_pool\",\"blocks\":[0,99999]}]}"},
    };

    private BadInput() {
    }

    static List<Request> generate(int count, long seed, String key, String otherTenantJob) {
        Random random = new Random(seed);
        List<Request> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(one(random, i % 14, key, otherTenantJob));
        }
        return out;
    }

    private static Request one(Random r, int kind, String key, String otherJob) {
        String auth = "Bearer " + key;
        String json = "application/json";
        String path = r.nextBoolean() ? "/v1/jobs" : "/v1/images/generations";
        return switch (kind) {
            case 0 -> { // truncated JSON
                int cut = 1 + r.nextInt(VALID.length() - 2);
                yield post("truncated JSON", path, auth, json, VALID.substring(0, cut));
            }
            case 1 -> { // a wrong value for one field
                String[] row = WRONG_VALUES[r.nextInt(WRONG_VALUES.length)];
                String value = row[1 + r.nextInt(row.length - 1)];
                String body = row[0].equals("prompt") ? "{\"prompt\":" + value + "}"
                        : "{\"prompt\":\"a cat\",\"" + row[0] + "\":" + value + "}";
                yield post("wrong " + row[0] + "=" + value, path, auth, json, body);
            }
            case 2 -> { // prompt too long, or none
                int len = r.nextBoolean() ? 2001 + r.nextInt(20_000) : 0;
                String body = len == 0 ? "{\"size\":\"256x256\"}" : "{\"prompt\":\"" + "é".repeat(len) + "\"}";
                yield post(len == 0 ? "no prompt" : "prompt of " + len, path, auth, json, body);
            }
            case 3 -> post("unknown field", "/v1/jobs", auth, json,
                    "{\"prompt\":\"a cat\",\"" + randomName(r) + "\":" + r.nextInt(100) + "}");
            case 4 -> { // bad UTF-8
                byte[][] bad = {{(byte) 0xff, (byte) 0xfe}, {(byte) 0xc0, (byte) 0xaf}, {(byte) 0x80},
                        {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}};
                byte[] pre = "{\"prompt\":\"".getBytes(StandardCharsets.UTF_8);
                byte[] mid = bad[r.nextInt(bad.length)];
                byte[] post = "\"}".getBytes(StandardCharsets.UTF_8);
                byte[] body = new byte[pre.length + mid.length + post.length];
                System.arraycopy(pre, 0, body, 0, pre.length);
                System.arraycopy(mid, 0, body, pre.length, mid.length);
                System.arraycopy(post, 0, body, pre.length + mid.length, post.length);
                yield new Request("bad UTF-8", "POST", path, auth, json, body, null);
            }
            case 5 -> post("oversized body", path, auth, json,
                    "{\"prompt\":\"a\",\"pad\":\"" + "x".repeat(65_536 + r.nextInt(4096)) + "\"}");
            case 6 -> { // no or wrong key
                String[] bad = {null, "Bearer wrong", "Basic dXNlcjpwYXNz", "Bearer ", "bearer", key, "Bearer " + key + "x"};
                String a = bad[r.nextInt(bad.length)];
                yield r.nextBoolean() ? post("bad key " + a, path, a, json, VALID)
                        : new Request("bad key " + a, "GET", "/v1/jobs/" + otherJob, a, null, null, null);
            }
            case 7 -> { // another tenant's job, or ids that do not exist
                String[] suffix = {"", "/events", "/images/0", "/images/x", "/images/99999"};
                String id = r.nextBoolean() ? otherJob : new String[] {"nope", "..", "job_%2e%2e", "a".repeat(200), "%00"}[r.nextInt(5)];
                String method = r.nextInt(4) == 0 ? "DELETE" : "GET";
                yield new Request("other tenant " + id, method, "/v1/jobs/" + id + (method.equals("GET")
                        ? suffix[r.nextInt(suffix.length)] : ""), auth, null, null, null);
            }
            case 8 -> { // wrong media type
                String[] types = {null, "text/plain", "application/xml", "multipart/form-data; boundary=x",
                        "application/json; charset=ISO-8859-1", "application/x-www-form-urlencoded"};
                yield post("media type", path, auth, types[r.nextInt(types.length)], VALID);
            }
            case 9 -> { // JSON that is not an object
                String[] bodies = {"[]", "\"str\"", "1", "null", "true", "", " ", "[{\"prompt\":\"a\"}]"};
                yield post("not an object", path, auth, json, bodies[r.nextInt(bodies.length)]);
            }
            case 10 -> post("duplicate key", path, auth, json, "{\"prompt\":\"a\",\"prompt\":\"b\"}");
            case 11 -> { // trailing garbage and nesting
                String[] bodies = {VALID + "x", VALID + "{}", "{\"prompt\":\"a\",\"layout\":" + "[".repeat(2000) + "]".repeat(2000) + "}",
                        "{\"prompt\":\"a\"", "{prompt:\"a\"}", "{'prompt':'a'}", "{\"prompt\":\"a\",}"};
                yield post("garbage", path, auth, json, bodies[r.nextInt(bodies.length)]);
            }
            case 12 -> { // bad Idempotency-Key
                String[] keys = {"has space", "x".repeat(256), "tab\tkey"};
                Request p = post("idempotency key", path, auth, json, VALID);
                yield new Request(p.why(), p.method(), p.path(), p.auth(), p.contentType(), p.body(), keys[r.nextInt(keys.length)]);
            }
            default -> { // wrong method or route
                String[][] routes = {{"PUT", "/v1/jobs"}, {"PATCH", "/v1/jobs/x"}, {"GET", "/v1/images/generations"},
                        {"GET", "/v1/nothing"}, {"DELETE", "/v1/models"}, {"POST", "/v1/models"}};
                String[] route = routes[r.nextInt(routes.length)];
                yield new Request("route " + route[0] + " " + route[1], route[0], route[1], auth, json,
                        route[0].equals("GET") || route[0].equals("DELETE") ? null : VALID.getBytes(StandardCharsets.UTF_8), null);
            }
        };
    }

    private static Request post(String why, String path, String auth, String contentType, String body) {
        return new Request(why, "POST", path, auth, contentType, body.getBytes(StandardCharsets.UTF_8), null);
    }

    private static String randomName(Random r) {
        String[] names = {"promt", "negativePrompt", "guidanceScale", "width", "height", "quality", "style", "__proto__",
                "constructor", "response_format", "user"};
        return names[r.nextInt(names.length)];
    }
}
