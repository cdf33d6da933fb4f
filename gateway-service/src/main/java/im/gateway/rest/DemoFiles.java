package im.gateway.rest;

import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;

import im.gateway.config.GatewayConfig;

/**
 * Serves the built demo web app (clients/js) at {@code /demo/} when {@code im.gateway.demo-dir} names its directory, so
 * {@code ./im start} shows a working chat app on the gateway's own origin. Off unless set: production leaves it unset.
 */
@ApplicationScoped
public class DemoFiles {
    private static final Logger LOG = Logger.getLogger(DemoFiles.class);

    @Inject
    GatewayConfig config;

    void route(@Observes Router router) {
        if (config.demoDir().isEmpty() || config.demoDir().get().isBlank()) {
            return;
        }
        Path dir = Path.of(config.demoDir().get()).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            LOG.warnf("im.gateway.demo-dir %s is not a directory: no demo", dir);
            return;
        }
        StaticHandler files = StaticHandler.create(FileSystemAccess.ROOT, dir.toString()).setCachingEnabled(false)
                .setDirectoryListing(false).setIndexPage("index.html");
        // Vert.x matches "/demo" for "/demo/" too: only the bare path is sent on to the directory
        router.route("/demo").order(-10).handler(context -> {
            if ("/demo".equals(context.request().path())) {
                context.redirect("/demo/");
            } else {
                context.next();
            }
        });
        router.route("/demo/*").order(-10).handler(files);
        LOG.infof("demo app served at /demo/ from %s", dir);
    }
}
