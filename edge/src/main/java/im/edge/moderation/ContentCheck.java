package im.edge.moderation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;

import im.protocol.ErrorCode;
import im.protocol.Message;
import im.protocol.MessageContent;
import im.protocol.MessageType;
import im.protocol.ProtocolException;

/**
 * The content check of PROTOCOL v1.1 (moderation): text, custom, media and combine messages and uploads pass the built-in
 * word list ({@link WordList}, synchronous, O(text)) and then, when one is configured, the HTTP hook
 * ({@link ModerationHook}). A refusal is {@code CONTENT_REJECTED} (422).
 */
@ApplicationScoped
public class ContentCheck {
    private static final Logger LOG = Logger.getLogger(ContentCheck.class);

    @Inject
    ModerationConfig config;

    @Inject
    ModerationHook hook;

    private WordList words = WordList.EMPTY;

    @PostConstruct
    void init() {
        List<String> all = new ArrayList<>(config.words().orElse(List.of()));
        Optional<String> file = config.wordsFile();
        if (file.isPresent()) {
            try {
                for (String line : Files.readAllLines(Path.of(file.get()), StandardCharsets.UTF_8)) {
                    if (!line.isBlank() && !line.strip().startsWith("#")) {
                        all.add(line);
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read im.moderation.words-file " + file.get(), e);
            }
        }
        words = WordList.of(all, config.match());
        if (!words.isEmpty()) {
            LOG.infof("content check: %d listed words (%s match)%s", words.size(), config.match(),
                    hook.enabled() ? ", and the hook" : "");
        }
    }

    /** Whether the types' contents are checked: text, custom, the media types and combine. */
    public static boolean isChecked(MessageType type) {
        return type == MessageType.TEXT || type == MessageType.CUSTOM || type == MessageType.COMBINE || type.isMedia();
    }

    /**
     * Refuses {@code content} ({@code CONTENT_REJECTED}) when a text of it holds a listed word: text, searchedContent,
     * fileName, a combine's title and summary and, recursively, the messages it combines. Types that are not checked pass.
     */
    public void requireCleanWords(MessageContent content) {
        if (words.isEmpty() || content == null || content.type() == null || !isChecked(content.type())) {
            return;
        }
        requireClean(content.text());
        requireClean(content.searchedContent());
        requireClean(content.fileName());
        requireClean(content.title());
        requireClean(content.summary());
        if (content.messages() != null) {
            for (Message nested : content.messages()) {
                if (nested != null) {
                    requireCleanWords(nested.content());
                }
            }
        }
    }

    /** Refuses {@code text} ({@code CONTENT_REJECTED}) when it holds a listed word. */
    public void requireClean(String text) {
        if (words.isEmpty()) {
            return;
        }
        if (words.find(text).isPresent()) {
            throw new ProtocolException(ErrorCode.CONTENT_REJECTED, "the content holds a refused word");
        }
    }

    /** Whether a hook is configured (off by default: then {@link #review} is never needed). */
    public boolean hasHook() {
        return hook.enabled();
    }

    /**
     * The hook's judgement: completes when it allows (or cannot answer, fail-open), fails with {@code CONTENT_REJECTED}
     * carrying its reason when it refuses, or {@code UNAVAILABLE} when it cannot answer and the setting is fail-closed.
     */
    public Uni<Void> review(HookRequest request) {
        if (!hook.enabled()) {
            return Uni.createFrom().voidItem();
        }
        return hook.review(request).map(verdict -> {
            if (!verdict.allow()) {
                String reason = verdict.reason();
                throw new ProtocolException(ErrorCode.CONTENT_REJECTED, reason == null || reason.isBlank()
                        ? "the content check refused it"
                        : reason.length() > 200 ? reason.substring(0, 200) : reason);
            }
            return null;
        });
    }
}
