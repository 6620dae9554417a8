package dk.spejl.naming;

import java.util.List;

/** Denmark's five regions, the owners of the data they submit and the home of each spoke. */
public final class Regions {
    public static final List<String> ALL = List.of("nordjylland", "midtjylland", "syddanmark", "sjaelland", "hovedstaden");

    private Regions() {
    }

    public static boolean isRegion(String name) {
        return ALL.contains(name);
    }
}
