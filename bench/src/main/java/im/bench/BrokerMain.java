package im.bench;

import java.io.InputStream;
import java.nio.file.Path;

import im.protocol.Topics;
import im.testkit.EmbeddedKafka;

/**
 * The benchmark's Kafka broker in its own JVM, so that the client load of the harness does not share a JVM (heap, GC,
 * JIT) with the broker. Args: log dir, port, controller port, message partitions. Prints {@code READY} once the topics
 * exist and stops when its standard input closes (the harness exits or closes it).
 */
public final class BrokerMain {

    private BrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        kafka.createTopics(Topics.specs(Integer.parseInt(args[3]), Topics.DEFAULT_GATEWAY_SLOTS));
        System.out.println("READY " + kafka.bootstrapServers());
        System.out.flush();
        InputStream in = System.in;
        while (in.read() >= 0) {
            // wait for the harness to go away
        }
        kafka.close();
        System.exit(0);
    }
}
