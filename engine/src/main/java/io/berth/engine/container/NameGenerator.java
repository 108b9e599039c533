package io.berth.engine.container;

import java.security.SecureRandom;
import java.util.List;
import java.util.random.RandomGenerator;

/** Docker-style random container names: adjective_surname, e.g. "eager_hopper". */
public final class NameGenerator {
    private static final List<String> ADJECTIVES = List.of(
            "admiring", "adoring", "agitated", "amazing", "angry", "awesome", "blissful", "bold", "brave", "busy",
            "charming", "clever", "compassionate", "competent", "confident", "cool", "dazzling", "determined",
            "eager", "ecstatic", "elastic", "elegant", "epic", "festive", "focused", "friendly", "gallant", "gifted",
            "goofy", "gracious", "happy", "hopeful", "hungry", "inspiring", "intelligent", "jolly", "keen", "kind",
            "laughing", "loving", "lucid", "magical", "modest", "musing", "nice", "nifty", "nostalgic", "optimistic",
            "peaceful", "pensive", "practical", "priceless", "quirky", "quizzical", "relaxed", "reverent", "romantic",
            "serene", "sharp", "silly", "sleepy", "stoic", "strange", "sweet", "tender", "thirsty", "trusting",
            "upbeat", "vibrant", "vigilant", "wizardly", "wonderful", "youthful", "zealous", "zen");
    private static final List<String> SURNAMES = List.of(
            "albattani", "allen", "archimedes", "babbage", "banach", "bardeen", "bell", "bhabha", "blackwell",
            "bohr", "booth", "brattain", "cannon", "carson", "cerf", "chandrasekhar", "clarke", "curie", "darwin",
            "diffie", "dijkstra", "einstein", "elion", "engelbart", "euclid", "euler", "fermat", "fermi", "feynman",
            "galileo", "gauss", "goldberg", "goodall", "hamilton", "hawking", "heisenberg", "hertz", "hopper",
            "hypatia", "johnson", "kalam", "kepler", "knuth", "lamport", "leakey", "lovelace", "lumiere", "mayer",
            "mccarthy", "meitner", "mendel", "morse", "newton", "nobel", "noether", "pascal", "pasteur", "payne",
            "perlman", "pike", "poincare", "ramanujan", "ritchie", "shannon", "shockley", "sinoussi", "stallman",
            "swanson", "tesla", "thompson", "torvalds", "turing", "varahamihira", "visvesvaraya", "wiles", "williams",
            "wozniak", "wright", "yalow", "yonath");

    private final RandomGenerator random = new SecureRandom();

    /** A fresh name; {@code attempt} > 0 appends a digit, as docker does when a name collides. */
    public String next(int attempt) {
        String name = ADJECTIVES.get(random.nextInt(ADJECTIVES.size())) + "_" + SURNAMES.get(random.nextInt(SURNAMES.size()));
        return attempt == 0 ? name : name + random.nextInt(10);
    }
}
