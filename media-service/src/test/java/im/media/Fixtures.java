package im.media;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

import javax.imageio.ImageIO;

/** Test content: images drawn and encoded on the spot, committed audio/video/webp files, a decompression bomb. */
final class Fixtures {

    private Fixtures() {
    }

    /** An image of the given size encoded by ImageIO as {@code format} (jpeg, png, bmp, tiff, gif). */
    static byte[] image(String format, int width, int height, boolean alpha) {
        BufferedImage image = new BufferedImage(width, height,
                alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setPaint(new GradientPaint(0, 0, new Color(200, 30, 30, alpha ? 120 : 255), width, height,
                new Color(30, 30, 200, 255)));
        g.fillRect(0, 0, width, height);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A committed file under {@code src/test/resources/fixtures} (see the README there). */
    static byte[] resource(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A tiny PNG whose header (IHDR, CRC fixed up) declares {@code width}×{@code height}: a decompression bomb. */
    static byte[] pngDeclaring(int width, int height) {
        byte[] png = image("png", 1, 1, false);
        ByteBuffer buffer = ByteBuffer.wrap(png);
        // 8-byte signature, then the IHDR chunk: length (4), "IHDR" (4), width (4), height (4), 5 more bytes, CRC (4)
        buffer.putInt(16, width);
        buffer.putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(png, 12, 17);
        buffer.putInt(29, (int) crc.getValue());
        return png;
    }

    /**
     * A real, complete 8-bit RGB PNG of {@code width}×{@code height} black pixels, its rows streamed through a deflater: a
     * 100,000,000×1 image (300 MB of pixels) takes about 300 KB, well under the image limit, and decodes for real.
     */
    static byte[] blackPng(int width, int height) {
        try {
            ByteArrayOutputStream idat = new ByteArrayOutputStream();
            Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
            try (DeflaterOutputStream z = new DeflaterOutputStream(idat, deflater, 1 << 16)) {
                byte[] zeros = new byte[1 << 20];
                // each row: filter type 0, then 3 bytes per pixel; all of them zero, so the rows are one run of zeros
                for (long left = (1 + 3L * width) * height; left > 0;) {
                    int n = (int) Math.min(left, zeros.length);
                    z.write(zeros, 0, n);
                    left -= n;
                }
            } finally {
                deflater.end();
            }
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(png);
            out.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
            ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
                    .put((byte) 0).put((byte) 0).put((byte) 0);
            chunk(out, "IHDR", ihdr.array());
            chunk(out, "IDAT", idat.toByteArray());
            chunk(out, "IEND", new byte[0]);
            return png.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeInt(data.length);
        out.write(name);
        out.write(data);
        out.writeInt((int) crc.getValue());
    }

    /** Dimensions of an image as ImageIO reads them. */
    static int[] dimensions(byte[] bytes) {
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
            return new int[]{image.getWidth(), image.getHeight()};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
