package im.testkit;

import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import im.protocol.ErrorCode;
import im.protocol.JsonCodec;

/**
 * The contract's promises about refusals, checked on what a service answered: a catalogued code with a message, the
 * code's own HTTP status, never a 5xx (but {@code UNAVAILABLE} where a dependency is really absent). Each check answers
 * what is wrong, or null.
 */
public final class ContractAnswers {
    /** Every catalogued code ({@link ErrorCode}). */
    public static final Set<String> CODES = Stream.of(ErrorCode.values()).map(Enum::name).collect(Collectors.toSet());

    private ContractAnswers() {
    }

    /** What is wrong with an {@code error} object of a frame or a body: {@code {"code", "message"}}, code catalogued. */
    public static String errorProblem(JsonNode error) {
        if (error == null || !error.isObject()) {
            return "no error object";
        }
        JsonNode code = error.get("code");
        if (code == null || !code.isTextual() || !CODES.contains(code.asText())) {
            return "code not in the catalogue: " + code;
        }
        if (ErrorCode.INTERNAL.name().equals(code.asText())) {
            return "INTERNAL: the server failed instead of refusing";
        }
        JsonNode message = error.get("message");
        if (message == null || !message.isTextual()) {
            return "no message";
        }
        return null;
    }

    /**
     * What is wrong with a REST answer: a body that is not JSON, a 5xx (unless {@code unavailableAllowed} and it is 503
     * {@code UNAVAILABLE}), or a refusal that is not {@code {"error": {"code", "message"}}} with a catalogued code and that code's status.
     */
    public static String restProblem(RawRequests.Answer answer, boolean unavailableAllowed) {
        int status = answer.status();
        if (status >= 200 && status < 300) {
            if (answer.body().isBlank()) {
                return null;
            }
            try {
                JsonCodec.tree(answer.body());
                return null;
            } catch (RuntimeException e) {
                return status + " with a body that is not JSON: " + abbreviate(answer.body());
            }
        }
        JsonNode body;
        try {
            body = JsonCodec.tree(answer.body());
        } catch (RuntimeException e) {
            return status + " with a body that is not JSON: " + abbreviate(answer.body());
        }
        String problem = body == null ? "no body" : errorProblem(body.get("error"));
        if (problem != null) {
            return status + ": " + problem + " in " + abbreviate(answer.body());
        }
        ErrorCode code = ErrorCode.valueOf(body.get("error").get("code").asText());
        if (code.httpStatus() != status) {
            return status + " carries " + code + ", whose status is " + code.httpStatus();
        }
        if (status >= 500 && !(unavailableAllowed && code == ErrorCode.UNAVAILABLE)) {
            return status + " " + code + ": a server error (" + abbreviate(body.get("error").path("message").asText()) + ")";
        }
        return null;
    }

    /** At most 300 characters of {@code text}, control characters escaped, for reports. */
    public static String abbreviate(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < 300; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7F || Character.isSurrogate(c) || (c >= 0x80 && c < 0xA0)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (text.length() > 300) {
            out.append("…(").append(text.length()).append(" chars)");
        }
        return out.toString();
    }
}
