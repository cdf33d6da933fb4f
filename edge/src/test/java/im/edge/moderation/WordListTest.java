package im.edge.moderation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class WordListTest {

    private static WordList words(WordList.Match match, String... words) {
        return WordList.of(Arrays.asList(words), match);
    }

    @Test
    void emptyList_findsNothing_andIsTheSharedEmptyMatcher() {
        assertThat(WordList.of(List.of(), WordList.Match.WORD)).isSameAs(WordList.EMPTY);
        assertThat(WordList.of(Arrays.asList(" ", "", null), WordList.Match.SUBSTRING)).isSameAs(WordList.EMPTY);
        assertThat(WordList.EMPTY.find("anything at all")).isEmpty();
        assertThat(WordList.EMPTY.isEmpty()).isTrue();
    }

    @Test
    void wholeWordMatch_findsAStandaloneWord_butNotInsideAnother() {
        WordList list = words(WordList.Match.WORD, "spam", "bad phrase");
        assertThat(list.find("this is spam")).contains("spam");
        assertThat(list.find("spam!")).contains("spam");
        assertThat(list.find("(spam)")).contains("spam");
        assertThat(list.find("a bad phrase here")).contains("bad phrase");
        assertThat(list.find("spammer")).isEmpty();
        assertThat(list.find("antispam")).isEmpty();
        assertThat(list.find("bad phrases")).isEmpty();
        assertThat(list.find(null)).isEmpty();
        assertThat(list.find("")).isEmpty();
    }

    @Test
    void substringMatch_findsAWordAnywhere() {
        WordList list = words(WordList.Match.SUBSTRING, "spam", "坏词");
        assertThat(list.find("spammer")).contains("spam");
        assertThat(list.find("这是坏词吗")).contains("坏词");
        assertThat(list.find("clean")).isEmpty();
    }

    @Test
    void caseFullWidthLettersAndInvisibleCharacters_doNotHideAWord() {
        WordList list = words(WordList.Match.WORD, "Spam");
        assertThat(list.find("SPAM")).isPresent();
        assertThat(list.find("ｓｐａｍ")).isPresent(); // full-width letters
        assertThat(list.find("ＳＰＡＭ now")).isPresent();
        assertThat(list.find("sp\u200Bam")).isPresent(); // zero-width space
        assertThat(list.find("s\u00ADpam")).isPresent(); // soft hyphen
        assertThat(list.find("\uFEFFspam\u200D")).isPresent();
    }

    @Test
    void overlappingWords_areAllSeen_aShorterWholeWordInsideALongerMatch() {
        // "he" and "she" end at the same place, and "hers" overlaps: the classic Aho-Corasick example
        WordList list = words(WordList.Match.SUBSTRING, "he", "she", "his", "hers");
        assertThat(list.find("ushers")).isPresent();
        WordList whole = words(WordList.Match.WORD, "ab", "xab", "b c");
        assertThat(whole.find("xab")).contains("xab");
        assertThat(whole.find("zab")).isEmpty();
        assertThat(whole.find("ab c")).contains("ab");
        assertThat(whole.find("zab c")).isEmpty();
        assertThat(whole.find("z b c")).contains("b c");
    }

    @Test
    void agreesWithANaiveSearch_onRandomTexts() {
        Random random = new Random(42);
        String alphabet = "ab c";
        for (int round = 0; round < 300; round++) {
            List<String> list = new ArrayList<>();
            for (int i = 0; i < 1 + random.nextInt(6); i++) {
                list.add(randomText(random, "abc", 1 + random.nextInt(3)));
            }
            String text = randomText(random, alphabet, random.nextInt(30));
            for (WordList.Match match : WordList.Match.values()) {
                boolean expected = list.stream().anyMatch(w -> naive(text, w, match));
                assertThat(WordList.of(list, match).find(text).isPresent())
                        .as("%s in %s (%s)", list, text, match).isEqualTo(expected);
            }
        }
    }

    private static String randomText(Random random, String alphabet, int length) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < length; i++) {
            out.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return out.toString();
    }

    private static boolean naive(String text, String word, WordList.Match match) {
        for (int at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
            boolean before = at == 0 || !Character.isLetterOrDigit(text.charAt(at - 1));
            int end = at + word.length();
            boolean after = end == text.length() || !Character.isLetterOrDigit(text.charAt(end));
            if (match == WordList.Match.SUBSTRING || (before && after)) {
                return true;
            }
        }
        return false;
    }
}
