package im.bench.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;

import org.HdrHistogram.Histogram;

import im.protocol.JsonCodec;

/**
 * The run's results: the four figures with how each is computed, the counters, the fault timeline with recovery times,
 * the setup. Printed as Markdown, written to {@code docs/reliability/<name>.md|.json}, and as one row of the results table
 * in {@code docs/reliability.md}.
 */
final class ChaosReport {
    static final String TABLE_START = "<!-- chaos-runs:start -->";
    static final String TABLE_END = "<!-- chaos-runs:end -->";

    final String name;
    final Map<String, String> setup;
    final StringBuilder md = new StringBuilder();
    final Map<String, Object> json = new LinkedHashMap<>();
    private final Map<String, Object> figures = new LinkedHashMap<>();
    private final Map<String, Object> counters = new LinkedHashMap<>();
    String row;
    private Map<String, String> health = Map.of();

    ChaosReport(String name, Map<String, String> setup) {
        this.name = name;
        this.setup = setup;
    }

    static ChaosReport build(String name, Map<String, String> setup, Fleet fleet, Audit audit, Faults faults,
            List<Sampler.Sample> samples, long start, long trafficEnd, Map<String, String> drain,
            Map<String, String> health) {
        ChaosReport r = new ChaosReport(name, setup);
        r.health = health;
        r.render(fleet, audit, faults, samples, start, trafficEnd, drain);
        return r;
    }

    private void render(Fleet fleet, Audit audit, Faults faults, List<Sampler.Sample> samples, long start, long trafficEnd,
            Map<String, String> drain) {
        md.append("### Chaos run `").append(name).append("`\n\n");
        setup.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        md.append('\n');

        // ---- timeline
        md.append("#### Timeline\n\n| t (s) | event |\n|---|---|\n");
        List<Map<String, Object>> timeline = new ArrayList<>();
        List<Faults.Event> events = new ArrayList<>(faults == null ? List.of() : faults.events());
        events.add(new Faults.Event(start, "first send"));
        events.add(new Faults.Event(trafficEnd, "last first send; drain: " + String.join("; ", drain.values())));
        int nodes = Integer.MIN_VALUE;
        Sampler.Sample blackout = null;
        for (Sampler.Sample s : samples) {
            if (s.liveNodes() != nodes) {
                if (blackout != null && s.liveNodes() > 0) {
                    events.add(new Faults.Event(blackout.t(), String.format(Locale.ROOT, "while routing targeted no "
                            + "gateway node (%.1f s, until t=%.1f) it routed %,d reliable records and wrote %,d deliveries",
                            (s.t() - blackout.t()) / 1e9, (s.t() - start) / 1e9, s.routed() - blackout.routed(),
                            s.deliveries() - blackout.deliveries())));
                    blackout = null;
                }
                if (s.liveNodes() == 0 && blackout == null) {
                    blackout = s;
                }
                nodes = s.liveNodes();
                events.add(new Faults.Event(s.t(), nodes < 0
                        ? "routing does not answer /v1/routing/nodes"
                        : "routing targets " + nodes + " of 2 gateway nodes (heartbeat within 15 s)"));
            }
        }
        events.sort(Comparator.comparingLong(Faults.Event::t));
        for (Faults.Event e : events) {
            md.append(String.format(Locale.ROOT, "| %.1f | %s |%n", (e.t() - start) / 1e9, e.text()));
            timeline.add(Map.of("t", round((e.t() - start) / 1e9), "event", e.text()));
        }
        md.append('\n');

        // ---- the four figures
        md.append("#### Figures\n\n| figure | value | target | how it is computed |\n|---|---|---|---|\n");
        figure("acked messages lost", audit.lost, "acked (`status: success` with a messageId) but no row in history's "
                + "`message` table with its conversation, sender and clientMsgId");
        figure("duplicates in history", audit.duplicateRows == null || audit.duplicateContent == null
                ? null
                : audit.duplicateRows + audit.duplicateContent,
                "extra rows for one (conversation, sender, clientMsgId) ("
                        + show(audit.duplicateRows) + ") plus extra messageIds for one text (" + show(audit.duplicateContent)
                        + "; every text is unique to its message)");
        figure("per-conversation order violations", audit.orderViolations, "stored messages whose orderKey is below the "
                + "orderKey of a message the same sender sent earlier in the conversation (in " + audit.orderConversations
                + " conversations); a sender sends message i+1 of a conversation only after message i is acked, and a "
                + "resend keeps its place");
        figure("online recipients' silent misses", audit.silentMisses, "stored messages the online receiver never got "
                + "(neither pushed nor synced) and had no reason to sync: no reconnect after the message and no push whose "
                + "prevOrderKey showed the gap; online = a socket of the receiver was open when the message was acked");
        if (audit.error != null) {
            md.append("\n**Not determined:** ").append(audit.error).append('\n');
        }
        if (drain.values().stream().anyMatch(step -> step.contains("NOT reached"))) {
            md.append("\n**The drain did not complete** (see the timeline): the silent misses may include messages that "
                    + "were still on their way, and never-acked messages are not in the lost figure.\n");
        }
        md.append('\n');
        notes(audit);

        // ---- counters
        double trafficSeconds = Math.max(1e-9, (trafficEnd - start) / 1e9);
        long resendsAfterDrop = 0;
        long resendsAfterTimeout = 0;
        for (Fleet.Conv conv : fleet.convs) {
            synchronized (conv) {
                for (Fleet.Msg m : conv.msgs) {
                    resendsAfterDrop += m.resendsAfterDrop;
                    resendsAfterTimeout += Math.max(0, m.attempts - 1 - m.resendsAfterDrop);
                }
            }
        }
        md.append("#### Counters\n\n| counter | value |\n|---|---|\n");
        counter("messages sent (first sends)", fleet.firstSends.sum());
        counter("writes to the gateways (first sends and resends)", fleet.writes.sum());
        counter("resends after a dropped socket", resendsAfterDrop);
        counter("resends after the ack timeout or a failed ack", resendsAfterTimeout);
        counter("messages acked", fleet.acked.sum());
        counter("acks after the first for one message", fleet.extraAcks.sum());
        counter("failed acks (resent)", fleet.failedAcks.toString().equals("{}") ? "0" : summary(fleet.failedAcks));
        counter("refused for good", audit.refused);
        counter("never acked by the end of the drain", audit.neverAcked);
        counter("acked msg/s over the sending phase", String.format(Locale.ROOT, "%.0f", fleet.acked.sum() / trafficSeconds));
        counter("send→ack ms p50 / p99 / max (from the first send)", latencies(fleet.ackLatencyMs));
        counter("pushed messages (first push each)", fleet.pushedMessages.sum());
        counter("pushed msg/s over the sending phase", String.format(Locale.ROOT, "%.0f",
                fleet.pushedMessages.sum() / trafficSeconds));
        counter("send→first push ms p50 / p99 / max", latencies(fleet.deliverLatencyMs));
        counter("`messages` frames", fleet.pushes.sum());
        counter("duplicate pushes", fleet.pushDuplicates.sum());
        counter("pushes below an orderKey already pushed in the conversation", fleet.pushedOutOfOrder.sum());
        counter("pushes without prevOrderKey after the conversation's first", fleet.chainBreaks.sum());
        counter("own messages pushed back to the sender's new session", fleet.ownEchoes.sum());
        counter("pushed messages no client sent", fleet.unknownPushes.sum());
        counter("gaps seen (prevOrderKey newer than the last orderKey held)", fleet.gapsSeen.sum());
        counter("syncs (after gaps and reconnects) / after reconnects", fleet.syncs.sum() + " / "
                + fleet.reconnectSyncs.sum());
        counter("history requests / failed / re-read because history was behind the gap", fleet.syncRequests.sum() + " / "
                + fleet.syncErrors.sum() + " / " + fleet.syncBehind.sum());
        counter("syncs given up at their deadline", fleet.syncGaveUp.sum());
        counter("messages first got by a sync (not pushed before)", fleet.syncedNew.sum());
        counter("stored messages got by the receiver: pushed / only synced", audit.gotByPush + " / " + audit.gotBySyncOnly);
        counter("stored, not got although the receiver reconnected and synced after it was acked (history did not have "
                + "it yet, no later push revealed it)", audit.reconnectSyncTooEarly);
        counter("stored, not got, the receiver offline from its ack to the end", audit.offlineToEnd);
        counter("stored, in a gap whose sync gave up", audit.gapNotFilled);
        counter("rows in history for this run", audit.storedRows < 0 ? "not determined" : String.valueOf(audit.storedRows));
        counter("stored but never acked", audit.storedNotAcked);
        counter("acked with another messageId than the stored one", audit.ackedOtherMessageId);
        counter("clientMsgIds written to im.messages.reliable more than once", audit.writtenTwice < 0
                ? "not determined"
                : String.valueOf(audit.writtenTwice));
        counter("pushed but not stored", audit.pushedNotStored);
        counter("rows of this run's senders that no client sent", audit.strangers);
        counter("socket drops / reconnects / failed connects", fleet.drops.sum() + " / " + fleet.reconnects.sum() + " / "
                + fleet.connectFailures.sum());
        counter("closing and error frames", fleet.closings.isEmpty() ? "none" : summary(fleet.closings));
        md.append('\n');

        // ---- faults and recovery
        List<Map<String, Object>> recovery = new ArrayList<>();
        if (faults != null && !faults.hits().isEmpty()) {
            md.append("#### Faults and recovery\n\n")
                    .append("t = seconds since the first send. Back = the process ready again (`/q/health/ready`; the "
                            + "broker: its topics listed). Acks / pushes resumed = from the fault to the first ack / first "
                            + "newly pushed message after the longest stall (≥ 1 s without any) that began between the "
                            + "fault and its process being ready again; 0 = none. Longest stall = the longest stretch without any in the "
                            + "fault's window (until the next fault, or the end of the drain). History caught up = its lag "
                            + "back under max(200, 2 × its median lag in the 10 s before the fault), after the peak.\n\n")
                    .append("| fault | at t (s) | back after (s) | acks resumed after (s) | longest ack stall (s) | pushes "
                            + "resumed after (s) | longest push stall (s) | history lag peak | history caught up after (s) "
                            + "|\n|---|---|---|---|---|---|---|---|---|\n");
            List<Faults.Hit> hits = faults.hits();
            for (int i = 0; i < hits.size(); i++) {
                Faults.Hit hit = hits.get(i);
                long end = i + 1 < hits.size()
                        ? hits.get(i + 1).at()
                        : samples.isEmpty() ? trafficEnd : samples.get(samples.size() - 1).t();
                Recovery rec = Recovery.of(samples, hit.at(), hit.back() == 0 ? end : hit.back(),
                        Math.max(end, hit.at() + Sampler.TICK * 8));
                String back = hit.back() == 0 ? "never" : seconds(hit.back() - hit.at());
                md.append(String.format(Locale.ROOT, "| %s | %.1f | %s | %s | %s | %s | %s | %s | %s |%n", hit.what(),
                        (hit.at() - start) / 1e9, back, resumed(rec.acksBack(), rec.ackStall()), seconds(rec.ackStall()),
                        resumed(rec.pushesBack(), rec.pushStall()), seconds(rec.pushStall()),
                        rec.lagPeak() < 0 ? "?" : String.format(Locale.ROOT, "%,d", rec.lagPeak()),
                        seconds(rec.lagBack())));
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("fault", hit.what());
                f.put("atSeconds", round((hit.at() - start) / 1e9));
                f.put("backAfterSeconds", hit.back() == 0 ? null : round((hit.back() - hit.at()) / 1e9));
                f.put("acksResumedAfterSeconds", secondsOrNull(rec.acksBack()));
                f.put("longestAckStallSeconds", secondsOrNull(rec.ackStall()));
                f.put("pushesResumedAfterSeconds", secondsOrNull(rec.pushesBack()));
                f.put("longestPushStallSeconds", secondsOrNull(rec.pushStall()));
                f.put("historyLagPeak", rec.lagPeak());
                f.put("historyCaughtUpAfterSeconds", secondsOrNull(rec.lagBack()));
                recovery.add(f);
            }
            faults.skipped().forEach(s -> md.append("| ").append(s).append(" | not injected | | | | | | | |\n"));
            md.append('\n');
        }

        json.put("name", name);
        json.put("setup", setup);
        json.put("figures", figures);
        json.put("counters", counters);
        json.put("timeline", timeline);
        json.put("faults", recovery);
        json.put("healthAtEnd", health);
        json.put("breakdown", Map.of("silentMissCauses", audit.missCauses, "silentMissesByFaultWindow",
                audit.missByWindow, "lostByFaultWindow", audit.lostByWindow, "lostExamples", audit.lostExamples,
                "duplicateExamples", audit.duplicateExamples, "orderExamples", audit.orderExamples, "missExamples",
                audit.missExamples));
        List<Map<String, Object>> series = new ArrayList<>();
        for (int i = 0; i < samples.size(); i += 4) {
            Sampler.Sample s = samples.get(i);
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("t", round((s.t() - start) / 1e9));
            point.put("sent", s.firstSends());
            point.put("acked", s.acked());
            point.put("pushed", s.pushed());
            point.put("synced", s.synced());
            point.put("sockets", s.connected());
            point.put("historyLag", s.historyLag());
            point.put("routingLag", s.routingLag());
            point.put("routingLiveNodes", s.liveNodes());
            point.put("routingRouted", s.routed());
            point.put("routingDeliveries", s.deliveries());
            series.add(point);
        }
        json.put("samples", series);

        row = String.format(Locale.ROOT, "| [%s](reliability/%s.md) | %s | %s | %,d / %,d | %,d | %s | %s | %s | %s | %.0f "
                + "| %s |", name, name, setup.getOrDefault("date", "?").substring(0, 10),
                faultList(setup.getOrDefault("faults", "?")),
                fleet.acked.sum(), fleet.firstSends.sum(),
                fleet.convs.length, show(audit.lost), audit.duplicateRows == null || audit.duplicateContent == null
                        ? "not determined"
                        : String.valueOf(audit.duplicateRows + audit.duplicateContent),
                show(audit.orderViolations), show(audit.silentMisses), fleet.acked.sum() / trafficSeconds,
                setup.getOrDefault("wall time", "?").replaceAll(" \\(.*", ""));
    }

    private void notes(Audit audit) {
        List<String> lines = new ArrayList<>();
        if (!audit.lostExamples.isEmpty()) {
            lines.add("Lost: " + (audit.lostInKafka < 0
                    ? "whether Kafka has them could not be read"
                    : audit.lostInKafka + " are in `im.messages.reliable` (history did not store them), "
                            + audit.lostNotInKafka + " never reached Kafka")
                    + "; by the fault window of the ack: " + audit.lostByWindow + ". Examples: "
                    + String.join("; ", audit.lostExamples) + ".");
        }
        if (!health.isEmpty()) {
            lines.add("Health at the end of the drain (`/q/health/live`, `/q/health/ready`): " + String.join("; ",
                    health.values()) + ".");
        }
        if (!audit.duplicateExamples.isEmpty()) {
            lines.add("Duplicates, examples: " + String.join("; ", audit.duplicateExamples) + ".");
        }
        if (!audit.orderExamples.isEmpty()) {
            lines.add("Order violations, examples: " + String.join("; ", audit.orderExamples) + ".");
        }
        if (!audit.missCauses.isEmpty()) {
            lines.add("Silent misses by what the next stored message's push told the receiver: " + audit.missCauses
                    + "; by the fault window of the ack: " + audit.missByWindow + ". Examples (receiver's open sockets in "
                    + "s of the run): " + String.join("; ", audit.missExamples) + ".");
        }
        lines.forEach(line -> md.append(line).append("\n\n"));
    }

    private void figure(String name, Long value, String how) {
        md.append("| ").append(name).append(" | ").append(value == null ? "**not determined**" : "**" + value + "**")
                .append(" | 0 | ").append(how).append(" |\n");
        figures.put(name, value);
    }

    private void counter(String name, Object value) {
        String text = value instanceof Long l ? String.format(Locale.ROOT, "%,d", l) : String.valueOf(value);
        md.append("| ").append(name).append(" | ").append(text).append(" |\n");
        counters.put(name, value);
    }

    private static String summary(Map<String, LongAdder> counts) {
        StringBuilder out = new StringBuilder();
        counts.forEach((k, v) -> out.append(out.length() == 0 ? "" : ", ").append(k).append(' ').append(v.sum()));
        return out.toString();
    }

    /** The faults of the setup line, short: "routing, history, gw-2, broker (SIGTERM)". */
    static String faultList(String faults) {
        if (faults.startsWith("none")) {
            return "none";
        }
        return faults.replace("kill -9 gateway ", "").replace("restart broker (SIGTERM)", "broker (SIGTERM)")
                .replace("kill -9 broker", "broker (kill -9)").replace("kill -9 ", "");
    }

    static String show(Long value) {
        return value == null ? "not determined" : String.valueOf(value);
    }

    private static String latencies(Histogram h) {
        if (h.getTotalCount() == 0) {
            return "-";
        }
        return h.getValueAtPercentile(50) + " / " + h.getValueAtPercentile(99) + " / " + h.getMaxValue();
    }

    private static String resumed(long nanos, long stall) {
        return nanos == Recovery.NEVER ? String.format(Locale.ROOT, "never (≥ %.1f)", stall / 1e9) : seconds(nanos);
    }

    private static String seconds(long nanos) {
        return nanos < 0 ? "-" : String.format(Locale.ROOT, "%.1f", nanos / 1e9);
    }

    private static Double secondsOrNull(long nanos) {
        return nanos < 0 ? null : round(nanos / 1e9);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    /** Writes docs/reliability/NAME.md and .json, and puts the run's row into docs/reliability.md's results table. */
    void write(Path root) throws IOException {
        Path dir = root.resolve("docs/reliability");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(name + ".md"), md.toString());
        Files.writeString(dir.resolve(name + ".json"),
                JsonCodec.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
        Path doc = root.resolve("docs/reliability.md");
        if (!Files.exists(doc)) {
            return;
        }
        String text = Files.readString(doc);
        int from = text.indexOf(TABLE_START);
        int to = text.indexOf(TABLE_END);
        if (from < 0 || to < from) {
            return;
        }
        List<String> lines = new ArrayList<>(text.substring(from + TABLE_START.length(), to).strip().lines().toList());
        String prefix = "| [" + name + "](";
        boolean replaced = false;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                lines.set(i, row);
                replaced = true;
            }
        }
        if (!replaced) {
            lines.add(row);
        }
        Files.writeString(doc, text.substring(0, from + TABLE_START.length()) + "\n" + String.join("\n", lines) + "\n"
                + text.substring(to));
    }

    /** Recovery of one fault, from the samples (nanos; -1 when it cannot be said). */
    record Recovery(long acksBack, long ackStall, long pushesBack, long pushStall, long lagPeak, long lagBack) {
        static final long NEVER = -2;

        static Recovery of(List<Sampler.Sample> samples, long at, long back, long end) {
            // after the last ack (push) of the run nothing moves any more: that is no stall
            long ackEnd = Math.min(end, settled(samples, Sampler.Sample::acked));
            long pushEnd = Math.min(end, settled(samples, Sampler.Sample::pushed));
            long lagBefore = medianLag(samples, at);
            long peak = -1;
            long peakAt = at;
            for (Sampler.Sample s : samples) {
                if (s.t() >= at && s.t() <= end && s.historyLag() > peak) {
                    peak = s.historyLag();
                    peakAt = s.t();
                }
            }
            long lagBack = -1;
            long limit = Math.max(200, 2 * Math.max(0, lagBefore));
            for (Sampler.Sample s : samples) {
                if (s.t() >= peakAt && s.historyLag() >= 0 && s.historyLag() <= limit) {
                    lagBack = s.t() - at;
                    break;
                }
            }
            long last = samples.isEmpty() ? at : samples.get(samples.size() - 1).t();
            boolean acksNever = ackEnd < at;
            boolean pushesNever = pushEnd < at;
            return new Recovery(acksNever ? NEVER : resumed(samples, at, back, ackEnd, Sampler.Sample::acked),
                    acksNever ? last - at : stall(samples, at, ackEnd, Sampler.Sample::acked),
                    pushesNever ? NEVER : resumed(samples, at, back, pushEnd, Sampler.Sample::pushed),
                    pushesNever ? last - at : stall(samples, at, pushEnd, Sampler.Sample::pushed), peak, lagBack);
        }

        /** When the counter reached its final value. */
        private static long settled(List<Sampler.Sample> samples, ToLongFunction<Sampler.Sample> f) {
            if (samples.isEmpty()) {
                return Long.MAX_VALUE;
            }
            long last = f.applyAsLong(samples.get(samples.size() - 1));
            for (Sampler.Sample s : samples) {
                if (f.applyAsLong(s) == last) {
                    return s.t();
                }
            }
            return Long.MAX_VALUE;
        }

        private static long medianLag(List<Sampler.Sample> samples, long at) {
            List<Long> lags = new ArrayList<>();
            for (Sampler.Sample s : samples) {
                if (s.t() >= at - 10_000_000_000L && s.t() <= at && s.historyLag() >= 0) {
                    lags.add(s.historyLag());
                }
            }
            if (lags.isEmpty()) {
                return -1;
            }
            lags.sort(null);
            return lags.get(lags.size() / 2);
        }

        /** A stretch without progress: from its first to its last sample, and the sample that moved again (or null). */
        private record Stall(long from, long to, Sampler.Sample next) {
            long length() {
                return to - from;
            }
        }

        private static List<Stall> stalls(List<Sampler.Sample> samples, long from, long end, ToLongFunction<Sampler.Sample> f) {
            List<Stall> stalls = new ArrayList<>();
            Sampler.Sample first = null;
            Sampler.Sample last = null;
            for (Sampler.Sample s : samples) {
                if (s.t() < from || s.t() > end) {
                    continue;
                }
                if (first != null && f.applyAsLong(s) == f.applyAsLong(first)) {
                    last = s;
                    continue;
                }
                if (first != null && last != first) {
                    stalls.add(new Stall(first.t(), last.t(), s));
                }
                first = s;
                last = s;
            }
            if (first != null && last != first) {
                stalls.add(new Stall(first.t(), last.t(), null));
            }
            return stalls;
        }

        /**
         * From the fault to the first progress after the longest stall (≥ 1 s) that began between the fault and the
         * moment its process was ready again; 0 when there was none.
         */
        private static long resumed(List<Sampler.Sample> samples, long at, long back, long end,
                ToLongFunction<Sampler.Sample> f) {
            Stall longest = null;
            for (Stall stall : stalls(samples, at - Sampler.TICK, end, f)) {
                if (stall.from() <= back && stall.length() >= 1_000_000_000L
                        && (longest == null || stall.length() > longest.length())) {
                    longest = stall;
                }
            }
            if (longest == null) {
                return 0;
            }
            return longest.next() == null ? NEVER : longest.next().t() - at;
        }

        /** The longest stretch in [at, end] without any change of the counter. */
        private static long stall(List<Sampler.Sample> samples, long at, long end, ToLongFunction<Sampler.Sample> f) {
            return stalls(samples, at, end, f).stream().mapToLong(Stall::length).max().orElse(0);
        }
    }
}
