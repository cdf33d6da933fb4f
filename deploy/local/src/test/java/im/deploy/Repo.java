package im.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's root, found from wherever the tests run, for tests that check files under {@code deploy/}. */
final class Repo {

    private Repo() {
    }

    static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("deploy/k8s")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
    }
}
