package im.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import im.protocol.JsonCodec;

/** Writes the run as Markdown (printed too), JSON and a PNG of the latency percentile curves. */
final class Report {
    private Report() {
    }

    static String markdown(String name, Map<String, String> setup, List<Section> sections) {
        StringBuilder md = new StringBuilder();
        md.append("### Run `").append(name).append("`\n\n");
        setup.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        md.append('\n');
        for (Section section : sections) {
            md.append("#### ").append(section.title).append("\n\n").append(section.how).append("\n\n");
            md.append('|');
            section.header.forEach(h -> md.append(' ').append(h).append(" |"));
            md.append("\n|");
            section.header.forEach(h -> md.append("---|"));
            md.append('\n');
            for (List<String> row : section.rows) {
                md.append('|');
                row.forEach(cell -> md.append(' ').append(cell.replace("|", "/")).append(" |"));
                md.append('\n');
            }
            md.append('\n');
            section.notes.forEach(note -> md.append(note).append("\n\n"));
        }
        return md.toString();
    }

    static void json(Path file, String name, Map<String, String> setup, List<Section> sections) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("name", name);
        root.put("setup", setup);
        Map<String, Object> results = new LinkedHashMap<>();
        for (Section section : sections) {
            Map<String, Object> s = new LinkedHashMap<>(section.json);
            s.put("table", Map.of("header", section.header, "rows", section.rows));
            s.put("notes", section.notes);
            results.put(section.key, s);
        }
        root.put("results", results);
        Files.createDirectories(file.getParent());
        Files.writeString(file, JsonCodec.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    /** Percentile curves: x = percentile on a "nines" scale (90 %, 99 %, 99.9 % …), y = latency ms (log scale). */
    static void plot(Path file, String title, List<Section> sections) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Section section : sections) {
            for (Map.Entry<String, Histogram> curve : section.curves.entrySet()) {
                Histogram h = curve.getValue();
                if (h.getTotalCount() == 0) {
                    continue;
                }
                XYSeries series = new XYSeries(curve.getKey(), false);
                for (HistogramIterationValue v : h.percentiles(5)) {
                    double p = v.getPercentileLevelIteratedTo();
                    if (p >= 100) {
                        break;
                    }
                    series.add(-Math.log10(1 - p / 100), Math.max(0.01, v.getValueIteratedTo() / 1000.0));
                }
                series.add(Math.min(5, -Math.log10(1.0 / h.getTotalCount())), Math.max(0.01, h.getMaxValue() / 1000.0));
                data.addSeries(series);
            }
        }
        NumberAxis x = new NumberAxis("percentile");
        x.setRange(0, 5);
        x.setTickUnit(new NumberTickUnit(1, new Nines()));
        LogAxis y = new LogAxis("latency (ms), from intended send time");
        y.setSmallestValue(0.01);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        Files.createDirectories(file.getParent());
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 1000, 600);
    }

    /** Labels 0, 1, 2, 3 … as 0 %, 90 %, 99 %, 99.9 % … */
    private static final class Nines extends NumberFormat {
        private static final long serialVersionUID = 1L;

        @Override
        public StringBuffer format(double number, StringBuffer out, FieldPosition pos) {
            int n = (int) Math.round(number);
            if (n <= 0) {
                return out.append("0%");
            }
            return out.append(new BigDecimal(100).subtract(BigDecimal.ONE.movePointLeft(n - 2))
                    .stripTrailingZeros().toPlainString()).append('%');
        }

        @Override
        public StringBuffer format(long number, StringBuffer out, FieldPosition pos) {
            return format((double) number, out, pos);
        }

        @Override
        public Number parse(String source, ParsePosition pos) {
            return null;
        }
    }
}
