package im.gateway.rest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * Serves the built demo web app (clients/js) at {@code /demo/} when {@code im.gateway.demo-dir} names its directory, so
 * {@code ./im start} shows a working chat app on the gateway's own origin. Off unless set: production leaves it unset.
 */
@ApplicationScoped
public class DemoFiles {
    private static final Logger LOG = Logger.getLogger(DemoFiles.class);

    /** The directory of the built demo (index.html and its assets); unset: no demo. */
    @ConfigProperty(name = "im.gateway.demo-dir")
    Optional<String> demoDir;

    void route(@Observes Router router) {
        if (demoDir.isEmpty() || demoDir.get().isBlank()) {
            return;
        }
        Path dir = Path.of(demoDir.get()).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            LOG.warnf("im.gateway.demo-dir %s is not a directory: no demo", dir);
            return;
        }
        StaticHandler files = StaticHandler.create(FileSystemAccess.ROOT, dir.toString()).setCachingEnabled(false)
                .setDirectoryListing(false).setIndexPage("index.html");
        router.route("/demo").order(-10).handler(context -> context.redirect("/demo/"));
        router.route("/demo/*").order(-10).handler(files);
        LOG.infof("demo app served at /demo/ from %s", dir);
    }
}
