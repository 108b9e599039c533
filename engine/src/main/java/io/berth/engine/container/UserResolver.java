package io.berth.engine.container;

import io.berth.errdefs.InvalidArgumentException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Resolves docker's User field ("uid", "uid:gid", "name", "name:group") against the image's
 * /etc/passwd and /etc/group, found through {@code fileInImage} (upper layer first, then the image
 * layers top down). Supplementary groups are the groups that list the user as a member.
 */
public final class UserResolver {
    public record ResolvedUser(int uid, int gid, List<Integer> additionalGids) {}

    private final Function<String, Optional<Path>> fileInImage;

    public UserResolver(Function<String, Optional<Path>> fileInImage) {
        this.fileInImage = fileInImage;
    }

    public ResolvedUser resolve(String user) {
        if (user == null || user.isEmpty()) user = "0";
        String[] parts = user.split(":", 2);
        List<String[]> passwd = table("etc/passwd");
        String[] entry = findEntry(passwd, parts[0]);
        int uid;
        int gid;
        String userName;
        if (entry != null) {
            uid = Integer.parseInt(entry[2]);
            gid = Integer.parseInt(entry[3]);
            userName = entry[0];
        } else if (isNumber(parts[0])) {
            uid = Integer.parseInt(parts[0]);
            gid = 0;
            userName = null;
        } else {
            throw new InvalidArgumentException("unable to find user " + parts[0] + ": no matching entries in passwd file");
        }
        List<String[]> groups = table("etc/group");
        if (parts.length == 2) {
            String[] group = findEntry(groups, parts[1]);
            if (group != null) gid = Integer.parseInt(group[2]);
            else if (isNumber(parts[1])) gid = Integer.parseInt(parts[1]);
            else throw new InvalidArgumentException("unable to find group " + parts[1] + ": no matching entries in group file");
        }
        List<Integer> additional = new ArrayList<>();
        if (userName != null) {
            for (String[] g : groups) {
                if (g.length >= 4 && List.of(g[3].split(",")).contains(userName) && isNumber(g[2])) {
                    int id = Integer.parseInt(g[2]);
                    if (id != gid && !additional.contains(id)) additional.add(id);
                }
            }
        }
        return new ResolvedUser(uid, gid, additional);
    }

    /** A --group-add value: a group name from the image's /etc/group, or a numeric gid. */
    public int group(String nameOrId) {
        String[] group = findEntry(table("etc/group"), nameOrId);
        if (group != null) return Integer.parseInt(group[2]);
        if (isNumber(nameOrId)) return Integer.parseInt(nameOrId);
        throw new InvalidArgumentException("Unable to find group " + nameOrId + ": no matching entries in group file");
    }

    /** Matches by name, or by numeric id in the third field. */
    private static String[] findEntry(List<String[]> table, String nameOrId) {
        for (String[] e : table) if (e[0].equals(nameOrId)) return e;
        if (isNumber(nameOrId)) for (String[] e : table) if (e[2].equals(nameOrId)) return e;
        return null;
    }

    private List<String[]> table(String relativePath) {
        Optional<Path> file = fileInImage.apply(relativePath);
        if (file.isEmpty()) return List.of();
        try {
            return Files.readAllLines(file.get()).stream()
                    .filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .map(l -> l.split(":", -1))
                    .filter(f -> f.length >= 3 && isNumber(f[2]))
                    .filter(f -> !relativePath.endsWith("passwd") || (f.length >= 4 && isNumber(f[3])))
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }
}
