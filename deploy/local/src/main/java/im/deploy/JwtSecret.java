package im.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Optional;

/** The HS256 secret of the local stack, kept in {@code .data/jwt-secret} so services and tokens agree across restarts. */
final class JwtSecret {
    /** Environment variable that overrides the file, as a production backend would set it. */
    static final String ENV = "IM_JWT_SECRET";

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final int LENGTH = 48;

    private JwtSecret() {
    }

    /** The secret file under a data folder. */
    static Path file(Path dataDir) {
        return dataDir.resolve("jwt-secret");
    }

    /** Reads the secret from {@code file}, or generates a random one there (mode 0600) on the first start. */
    static String loadOrCreate(Path file) {
        Optional<String> existing = read(file);
        if (existing.isPresent()) {
            return existing.get();
        }
        String secret = generate();
        try {
            Files.createDirectories(file.getParent());
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file);
            }
            Files.writeString(file, secret + "\n", StandardCharsets.UTF_8);
            return secret;
        } catch (FileAlreadyExistsException e) {
            return read(file).orElseThrow(() -> new IllegalStateException("empty secret file " + file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** The secret in {@code file}, if the file exists and is not blank. */
    static Optional<String> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            String secret = Files.readString(file, StandardCharsets.UTF_8).strip();
            return secret.isEmpty() ? Optional.empty() : Optional.of(secret);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static String generate() {
        SecureRandom random = new SecureRandom();
        StringBuilder secret = new StringBuilder(LENGTH);
        for (int i = 0; i < LENGTH; i++) {
            secret.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return secret.toString();
    }
}
