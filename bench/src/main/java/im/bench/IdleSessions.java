package im.bench;

import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A client process that holds idle authenticated sessions (the harness splits many sessions over a few of these: one
 * process may hold only 20,000 open files here). Args: host, port, secret, user prefix, count, first source address
 * (127.0.0.N). Prints {@code READY <open> <failed>}, holds the sessions until standard input closes, then exits.
 */
public final class IdleSessions {

    private IdleSessions() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String secret = args[2];
        String prefix = args[3];
        int count = Integer.parseInt(args[4]);
        int firstAddress = Integer.parseInt(args[5]);
        int addresses = (count + Clients.PER_ADDRESS - 1) / Clients.PER_ADDRESS;
        List<String> users = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            users.add(prefix + "-" + i);
        }
        Clients clients = new Clients(host, port, secret, 1, addresses, firstAddress);
        List<Clients.Conn> open = clients.connect(users, (conn, text, now) -> {
        }, 256, Duration.ofSeconds(240));
        System.out.println("READY " + open.size() + " " + (count - open.size()));
        System.out.flush();
        InputStream in = System.in;
        while (in.read() >= 0) {
            // hold the sessions
        }
        System.out.println("OPEN-AT-END " + open.stream().filter(c -> !c.closed).count());
        System.out.flush();
        clients.closeAll(open);
        Thread.sleep(500);
        System.exit(0);
    }
}
