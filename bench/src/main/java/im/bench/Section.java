package im.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

/** One scenario's results: a table for the Markdown report, raw figures for the JSON, latency curves for the plot. */
final class Section {
    final String key;
    final String title;
    final String how;
    final List<String> header;
    final List<List<String>> rows = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    final Map<String, Object> json = new LinkedHashMap<>();
    final Map<String, Histogram> curves = new LinkedHashMap<>();

    Section(String key, String title, String how, String... header) {
        this.key = key;
        this.title = title;
        this.how = how;
        this.header = List.of(header);
    }

    void row(Object... cells) {
        List<String> row = new ArrayList<>();
        for (Object cell : cells) {
            row.add(String.valueOf(cell));
        }
        rows.add(row);
    }

    static String ms(Histogram h, double percentile) {
        if (h.getTotalCount() == 0) {
            return "-";
        }
        return String.format("%.2f", (percentile >= 100 ? h.getMaxValue() : h.getValueAtPercentile(percentile)) / 1000.0);
    }

    static String latencies(Histogram h) {
        return ms(h, 50) + " / " + ms(h, 99) + " / " + ms(h, 99.9) + " / " + ms(h, 100);
    }

    static Map<String, Object> latencyJson(Histogram h) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("count", h.getTotalCount());
        if (h.getTotalCount() > 0) {
            out.put("p50Ms", h.getValueAtPercentile(50) / 1000.0);
            out.put("p99Ms", h.getValueAtPercentile(99) / 1000.0);
            out.put("p999Ms", h.getValueAtPercentile(99.9) / 1000.0);
            out.put("maxMs", h.getMaxValue() / 1000.0);
        }
        return out;
    }

    static String rate(double perSecond) {
        return String.format("%,.0f", perSecond);
    }

    static String count(long n) {
        return String.format("%,d", n);
    }

    static String verdict(boolean met, String target) {
        return (met ? "met" : "MISSED") + " (" + target + ")";
    }
}
