package im.bench.chaos;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import im.protocol.Topics;
import im.testkit.EmbeddedKafka;

/**
 * The chaos run's Kafka broker in its own JVM, so that it can be stopped (SIGTERM: a clean shutdown through the
 * shutdown hook), killed (SIGKILL) and started again on the same ports and log directory. Args: log dir, port,
 * controller port, message partitions, ready file. Writes the ready file once the topics exist; stops when its standard
 * input closes (the harness went away) or on SIGTERM.
 */
public final class ChaosBroker {

    private ChaosBroker() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        AtomicBoolean closed = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (closed.compareAndSet(false, true)) {
                kafka.close();
            }
        }, "broker-stop"));
        kafka.createTopics(Topics.specs(Integer.parseInt(args[3]), Topics.DEFAULT_GATEWAY_SLOTS));
        Files.writeString(Path.of(args[4]), kafka.bootstrapServers());
        System.err.println("READY " + kafka.bootstrapServers());
        while (System.in.read() >= 0) {
            // wait for the harness to go away
        }
        System.exit(0);
    }
}
