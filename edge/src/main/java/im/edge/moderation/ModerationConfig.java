package im.edge.moderation;

import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The content check (PROTOCOL v1.1 moderation) of the gateway's sends and media-service's uploads; one prefix for both,
 * so one setting (e.g. {@code IM_MODERATION_WORDS}) configures every edge alike.
 */
@ConfigMapping(prefix = "im.moderation")
public interface ModerationConfig {

    /** Refused words and phrases, comma-separated; compared after normalisation (see {@link WordList}). None by default. */
    Optional<List<String>> words();

    /** A UTF-8 file of further words, one per line ({@code #} starts a comment line); read at start. */
    Optional<String> wordsFile();

    /** {@code word}: a listed word counts only standing alone; {@code substring}: anywhere (scripts without spaces). */
    @WithDefault("word")
    WordList.Match match();

    /** The optional HTTP hook that judges what the word list let through. */
    Hook hook();

    /** {@code POST} of the message or upload as JSON to {@code url}, answered {@code {"allow": bool, "reason": "…"}}. */
    interface Hook {
        /** The hook's URL; unset (the default): no hook, no call. */
        Optional<String> url();

        /**
         * How long the hook may take, in milliseconds (the {@code @Timeout} of {@code ModerationHook#review}); past it,
         * and on any failure of the call, {@link #failClosed()} decides.
         */
        @WithDefault("1000")
        long timeoutMs();

        /**
         * false (fail-open, the default): a hook that fails or times out lets the content through; true (fail-closed):
         * it is refused with {@code UNAVAILABLE} (retryable: the content was not judged improper).
         */
        @WithDefault("false")
        boolean failClosed();
    }
}
