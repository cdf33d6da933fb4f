package im.deploy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import im.testkit.Tokens;

/**
 * Signs a token with the server secret and prints it: the small command an app's backend calls (or a developer runs as
 * {@code ./im token alice}) instead of the dev-only token endpoint.
 */
public final class TokenCommand {
    private static final String USAGE = """
            usage: im token <userId> [--name NAME] [--admin | --service] [--ttl 24h]
              --name NAME   display name claim (default: the userId)
              --admin       adds groups: [admin]
              --service     a service credential (groups: [internal]) for the internal APIs: routing's /v1/routing
                            views, history's and media's /v1/internal
              --ttl T       lifetime: 90s, 30m, 24h, 7d or ISO-8601 (PT1H); default 24h
            The secret comes from IM_JWT_SECRET, else from <im.root>/.data/jwt-secret (written by ./im start).""";

    private TokenCommand() {
    }

    public static void main(String[] args) {
        String userId = null;
        String name = null;
        boolean admin = false;
        boolean service = false;
        Duration ttl = Duration.ofHours(24);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--name" -> name = value(args, ++i, arg);
                case "--admin" -> admin = true;
                case "--service" -> service = true;
                case "--ttl" -> ttl = parseDuration(value(args, ++i, arg));
                case "-h", "--help" -> {
                    System.out.println(USAGE);
                    return;
                }
                default -> {
                    if (arg.startsWith("-") || userId != null) {
                        usage("unexpected argument: " + arg);
                    }
                    userId = arg;
                }
            }
        }
        if (userId == null || userId.isBlank()) {
            usage("userId required");
        }
        String secret = secret().orElse(null);
        if (secret == null) {
            System.err.println("im token: no JWT secret. Set " + JwtSecret.ENV + " or start the local stack once (./im start)"
                    + " so that " + secretFile() + " exists.");
            System.exit(1);
        }
        if (admin && service) {
            usage("--admin or --service, not both");
        }
        System.out.println(service
                ? Tokens.sign(secret, userId, null, ttl, List.of(Tokens.SERVICE_ROLE))
                : Tokens.sign(secret, userId, name != null ? name : userId, ttl, admin));
    }

    private static Optional<String> secret() {
        String env = System.getenv(JwtSecret.ENV);
        if (env != null && !env.isBlank()) {
            return Optional.of(env.strip());
        }
        return JwtSecret.read(secretFile());
    }

    private static Path secretFile() {
        Path root = Path.of(System.getProperty("im.root", ".")).toAbsolutePath().normalize();
        return JwtSecret.file(root.resolve(".data"));
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) {
            usage(option + " needs a value");
        }
        return args[index];
    }

    static Duration parseDuration(String text) {
        String value = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (value.startsWith("p")) {
                return positive(Duration.parse(value.toUpperCase(Locale.ROOT)), text);
            }
            long amount = Long.parseLong(value.substring(0, value.length() - 1));
            return positive(switch (value.charAt(value.length() - 1)) {
                case 's' -> Duration.ofSeconds(amount);
                case 'm' -> Duration.ofMinutes(amount);
                case 'h' -> Duration.ofHours(amount);
                case 'd' -> Duration.ofDays(amount);
                default -> throw new IllegalArgumentException();
            }, text);
        } catch (IllegalArgumentException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            usage("bad --ttl: " + text);
            throw new IllegalStateException("unreachable");
        }
    }

    private static Duration positive(Duration duration, String text) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(text);
        }
        return duration;
    }

    private static void usage(String problem) {
        System.err.println("im token: " + problem);
        System.err.println(USAGE);
        System.exit(2);
    }
}
