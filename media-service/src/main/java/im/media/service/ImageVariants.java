package im.media.service;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.UUID;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;

import jakarta.enterprise.context.ApplicationScoped;

import im.media.config.MediaConfig;
import im.protocol.ErrorCode;
import im.protocol.ProtocolException;

/**
 * Thumbnail and large version of an uploaded image (ImageIO with the TwelveMonkeys plugins). Dimensions and pixel format
 * come from the header first: an image declaring more than {@code max-pixels}, or whose decoding could take more than
 * {@code decode-memory-max} ({@link DecodeMemory}), is refused undecoded (a decompression bomb, {@code MESSAGE_TOO_LARGE});
 * others are decoded with source subsampling while holding their share of {@code decode-memory-total}.
 */
@ApplicationScoped
public class ImageVariants {

    /**
     * An image's facts and its two variants (temporary files the caller owns).
     *
     * @param width original width
     * @param height original height
     * @param thumbnail thumbnail file
     * @param large large version file
     * @param mimeType the variants' type: image/png when the image has alpha, image/jpeg otherwise
     */
    public record Result(int width, int height, Path thumbnail, Path large, String mimeType) {}

    private final MediaConfig.Images config;
    private final DecodeBudget budget;

    ImageVariants(MediaConfig config) {
        this.config = config.images();
        this.budget = new DecodeBudget(this.config.decodeMemoryTotal().asLongValue(), this.config.decodeWait());
        ImageIO.setUseCache(false);
        ImageIO.scanForPlugins();
    }

    /**
     * Reads {@code original} and writes its variants into {@code tmpDir}. Before a pixel is decoded, the header's size and
     * pixel format give the memory the decode may take ({@link DecodeMemory}): more than {@code decode-memory-max} is
     * refused {@code MESSAGE_TOO_LARGE}; otherwise that much of the shared {@link DecodeBudget} is held until the variants
     * are written.
     */
    public Result process(Path original, Path tmpDir) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(original.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw unreadable();
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int width;
                int height;
                int sub;
                long memory;
                try {
                    width = reader.getWidth(0);
                    height = reader.getHeight(0);
                    if (width <= 0 || height <= 0) {
                        throw unreadable();
                    }
                    if ((long) width * height > config.maxPixels()) {
                        throw new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE, "the image declares " + width + "×"
                                + height + " pixels, more than " + config.maxPixels() + " allowed");
                    }
                    sub = Math.max(1, Math.max(width, height) / Math.max(1, config.largeSize()));
                    memory = DecodeMemory.estimate(reader, width, height, sub);
                } catch (IOException | RuntimeException e) {
                    throw e instanceof ProtocolException p ? p : unreadable();
                }
                long max = config.decodeMemoryMax().asLongValue();
                if (memory > max) {
                    throw new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE, "decoding this " + width + "×" + height
                            + " image would need about " + memory / (1024 * 1024) + " MiB, more than the "
                            + max / (1024 * 1024) + " MiB allowed");
                }
                try (DecodeBudget.Share share = budget.acquire(memory)) {
                    return decodeAndWrite(reader, width, height, sub, tmpDir);
                }
            } finally {
                reader.dispose();
            }
        }
    }

    private Result decodeAndWrite(ImageReader reader, int width, int height, int sub, Path tmpDir) throws IOException {
        BufferedImage decoded;
        try {
            ImageReadParam param = reader.getDefaultReadParam();
            param.setSourceSubsampling(sub, sub, 0, 0);
            decoded = reader.read(0, param);
        } catch (IOException | RuntimeException e) {
            throw e instanceof ProtocolException p ? p : unreadable();
        }
        boolean alpha = decoded.getColorModel().hasAlpha();
        BufferedImage large = scale(decoded, width, height, config.largeSize(), alpha);
        decoded = null;
        BufferedImage thumbnail = scale(large, width, height, config.thumbnailSize(), alpha);
        String suffix = alpha ? ".png" : ".jpg";
        Path largeFile = tmpDir.resolve(UUID.randomUUID() + suffix);
        Path thumbnailFile = tmpDir.resolve(UUID.randomUUID() + suffix);
        try {
            write(large, alpha, largeFile);
            write(thumbnail, alpha, thumbnailFile);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(largeFile);
            Files.deleteIfExists(thumbnailFile);
            throw e;
        }
        return new Result(width, height, thumbnailFile, largeFile, alpha ? "image/png" : "image/jpeg");
    }

    private static ProtocolException unreadable() {
        return new ProtocolException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "the image cannot be read");
    }

    /** Fits the image into {@code bound} on its long side (never upscaling), halving first for quality. */
    static BufferedImage scale(BufferedImage source, int width, int height, int bound, boolean alpha) {
        double factor = Math.min(1.0, (double) bound / Math.max(width, height));
        int targetW = Math.max(1, (int) Math.round(width * factor));
        int targetH = Math.max(1, (int) Math.round(height * factor));
        BufferedImage current = source;
        while (current.getWidth() / 2 >= targetW && current.getHeight() / 2 >= targetH) {
            current = draw(current, current.getWidth() / 2, current.getHeight() / 2, alpha);
        }
        return draw(current, targetW, targetH, alpha);
    }

    private static BufferedImage draw(BufferedImage source, int w, int h, boolean alpha) {
        BufferedImage out = new BufferedImage(w, h, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            if (!alpha) {
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, w, h);
            }
            g.drawImage(source, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    private void write(BufferedImage image, boolean alpha, Path file) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName(alpha ? "png" : "jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (!alpha) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(config.jpegQuality());
            }
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
    }
}
