package im.edge.moderation;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The built-in word list as one Aho-Corasick automaton, built once: a check walks the text once, whatever the number of
 * words (O(text)), and an empty list answers without looking at the text. Words and text are compared after the same
 * {@link #normalize normalisation} (NFKC, lower case, format characters such as zero-width spaces removed), so case,
 * full-width letters, ligatures and invisible separators do not hide a word.
 * <p>
 * {@link Match#WORD} (the default) finds a word only where it stands alone: the characters around it are not letters or
 * digits ("ass" does not hit "class"). {@link Match#SUBSTRING} finds it anywhere, for scripts written without spaces.
 */
public final class WordList {
    /** Where in the text a word counts. */
    public enum Match {
        /** Only where neither neighbour is a letter or digit. */
        WORD,
        /** Anywhere, also inside a longer word. */
        SUBSTRING
    }

    /** The list with no words: finds nothing, costs nothing. */
    public static final WordList EMPTY = new WordList(List.of(), Match.WORD);

    private final Match match;
    private final int size;
    // the automaton, one entry per node: sorted edge labels and their targets, the failure link, the length of the
    // word ending here (0: none) and the nearest node on the failure chain where a word ends (-1: none)
    private char[][] labels;
    private int[][] targets;
    private int[] failure;
    private int[] wordLength;
    private int[] nextWord;

    private WordList(Collection<String> words, Match match) {
        this.match = match;
        List<String> normalized = new ArrayList<>();
        for (String word : words) {
            String w = word == null ? "" : normalize(word.strip());
            if (!w.isEmpty()) {
                normalized.add(w);
            }
        }
        this.size = normalized.size();
        build(normalized);
    }

    /** A matcher of {@code words} (blank entries are skipped). */
    public static WordList of(Collection<String> words, Match match) {
        return words.stream().allMatch(w -> w == null || w.isBlank()) ? EMPTY : new WordList(words, match);
    }

    /** How many words the list holds. */
    public int size() {
        return size;
    }

    /** Whether the list holds no words (every check passes at once). */
    public boolean isEmpty() {
        return size == 0;
    }

    /**
     * The first listed word found in {@code text} (as normalised), or empty. Null or empty text finds nothing.
     */
    public Optional<String> find(String text) {
        if (size == 0 || text == null || text.isEmpty()) {
            return Optional.empty();
        }
        String t = normalize(text);
        int state = 0;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            int next;
            while ((next = step(state, c)) < 0 && state != 0) {
                state = failure[state];
            }
            state = Math.max(next, 0);
            for (int node = wordLength[state] > 0 ? state : nextWord[state]; node > 0; node = nextWord[node]) {
                int start = i + 1 - wordLength[node];
                if (match == Match.SUBSTRING || (isBoundary(t, start - 1) && isBoundary(t, i + 1))) {
                    return Optional.of(t.substring(start, i + 1));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * What words and texts are compared as: NFKC (full-width and compatibility forms to their plain letters), lower case,
     * without format characters (zero-width spaces and joiners, soft hyphens, direction marks).
     */
    public static String normalize(String text) {
        String folded = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        StringBuilder out = null;
        for (int i = 0; i < folded.length(); i++) {
            char c = folded.charAt(i);
            if (Character.getType(c) == Character.FORMAT) {
                if (out == null) {
                    out = new StringBuilder(folded.length()).append(folded, 0, i);
                }
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? folded : out.toString();
    }

    private static boolean isBoundary(String text, int index) {
        if (index < 0 || index >= text.length()) {
            return true;
        }
        return !Character.isLetterOrDigit(text.charAt(index));
    }

    private int step(int state, char c) {
        int at = Arrays.binarySearch(labels[state], c);
        return at < 0 ? -1 : targets[state][at];
    }

    private void build(List<String> words) {
        // the trie, with maps while it grows
        List<Map<Character, Integer>> edges = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>();
        edges.add(new HashMap<>());
        lengths.add(0);
        for (String word : words) {
            int node = 0;
            for (int i = 0; i < word.length(); i++) {
                Integer next = edges.get(node).get(word.charAt(i));
                if (next == null) {
                    next = edges.size();
                    edges.add(new HashMap<>());
                    lengths.add(0);
                    edges.get(node).put(word.charAt(i), next);
                }
                node = next;
            }
            lengths.set(node, word.length());
        }
        int n = edges.size();
        labels = new char[n][];
        targets = new int[n][];
        failure = new int[n];
        wordLength = new int[n];
        nextWord = new int[n];
        for (int node = 0; node < n; node++) {
            Character[] keys = edges.get(node).keySet().toArray(new Character[0]);
            Arrays.sort(keys);
            labels[node] = new char[keys.length];
            targets[node] = new int[keys.length];
            for (int k = 0; k < keys.length; k++) {
                labels[node][k] = keys[k];
                targets[node][k] = edges.get(node).get(keys[k]);
            }
            wordLength[node] = lengths.get(node);
        }
        // failure links breadth first: a node's link is the longest proper suffix of its path that is in the trie
        int[] queue = new int[n];
        int head = 0;
        int tail = 0;
        nextWord[0] = -1;
        for (int child : targets[0]) {
            failure[child] = 0;
            nextWord[child] = -1;
            queue[tail++] = child;
        }
        while (head < tail) {
            int node = queue[head++];
            for (int k = 0; k < labels[node].length; k++) {
                char c = labels[node][k];
                int child = targets[node][k];
                int f = failure[node];
                int next;
                while ((next = step(f, c)) < 0 && f != 0) {
                    f = failure[f];
                }
                failure[child] = next >= 0 && next != child ? next : 0;
                int link = failure[child];
                nextWord[child] = wordLength[link] > 0 ? link : nextWord[link];
                queue[tail++] = child;
            }
        }
    }
}
