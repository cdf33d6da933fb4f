package im.media.service;

import java.awt.image.SampleModel;
import java.io.IOException;
import java.util.Iterator;

import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;

/**
 * The most heap decoding one image may take, computed from its header before a pixel is read. The bound does not rely on
 * a decoder honouring source subsampling, since not all of them do: it counts the whole image at its raw bytes per pixel,
 * plus the row buffers that line-by-line decoders allocate at full width whatever the subsampling (PNG keeps the current
 * and previous raw row and a pass raster: a 100,000,000×1 image needs three 300 MB rows), plus the subsampled destination
 * and the scaled copies {@link ImageVariants} draws from it.
 */
public final class DecodeMemory {
    /** Full-width rows a decoder may hold at once (PNG: current, previous, pass raster; one spare for conversions). */
    static final int ROW_BUFFERS = 4;
    /** Bytes per pixel of the destination and of the scaled copies ({@code TYPE_INT_(A)RGB}) at least. */
    static final int DESTINATION_BYTES_PER_PIXEL = 4;
    /** The destination plus the copies scaled from it (the halving steps, the large version and the thumbnail). */
    static final int DESTINATION_COPIES = 3;

    private DecodeMemory() {
    }

    /**
     * Worst-case bytes for decoding image 0 of {@code reader} at {@code width}×{@code height} with subsampling {@code sub},
     * saturating at {@link Long#MAX_VALUE}.
     */
    public static long estimate(ImageReader reader, int width, int height, int sub) throws IOException {
        int bitsPerPixel = bitsPerPixel(reader.getRawImageType(0));
        Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
        int destinationBits = types != null && types.hasNext() ? bitsPerPixel(types.next()) : 0;
        return estimate(width, height, Math.max(bitsPerPixel, destinationBits), sub);
    }

    /** Worst-case bytes for an image of {@code width}×{@code height} at {@code bitsPerPixel} (raw), subsampled by {@code sub}. */
    public static long estimate(long width, long height, int bitsPerPixel, int sub) {
        long bits = Math.max(1, bitsPerPixel);
        long bytesPerPixel = Math.max(1, (bits + 7) / 8);
        long whole = times(times(width, height), bytesPerPixel);
        long rowBytes = times(width, bits) / 8 + 2;
        long rows = times(rowBytes, ROW_BUFFERS);
        long step = Math.max(1, sub);
        long destinationPixels = times((width + step - 1) / step, (height + step - 1) / step);
        long destination = times(times(destinationPixels, Math.max(bytesPerPixel, DESTINATION_BYTES_PER_PIXEL)),
                DESTINATION_COPIES);
        return plus(plus(whole, rows), destination);
    }

    /** Bits per pixel of an image type (the sum over its bands); 32 when the reader does not say. */
    static int bitsPerPixel(ImageTypeSpecifier type) {
        if (type == null) {
            return 32;
        }
        SampleModel model = type.getSampleModel();
        int bits = 0;
        for (int size : model.getSampleSize()) {
            bits += size;
        }
        return bits > 0 ? bits : 32;
    }

    private static long times(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        return high != 0 || low < 0 ? Long.MAX_VALUE : low;
    }

    private static long plus(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
