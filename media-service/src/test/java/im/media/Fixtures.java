package im.media;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;

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

    /** Dimensions of an image as ImageIO reads them. */
    static int[] dimensions(byte[] bytes) {
        try {
            BufferedImage image = ImageIO.read(new java.io.ByteArrayInputStream(bytes));
            return new int[]{image.getWidth(), image.getHeight()};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
