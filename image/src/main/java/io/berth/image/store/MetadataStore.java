package io.berth.image.store;

import io.berth.oci.Digest;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Image metadata in SQLite: layers (by chain id), images, which layers each image stacks, the image a
 * committed one was made from, tags and repo digests. Reference counts are not stored but derived from these rows inside the same
 * transaction that changes them, so they cannot drift. One connection, used under its own lock.
 */
public final class MetadataStore implements AutoCloseable {
    /** A registered, unpacked layer and the blob it was first unpacked from. */
    public record LayerRecord(Digest chainId, Digest diffId, Digest parent, long size) {}

    /** Layer {@code position} (0 = bottom) of an image, with the blob the image's manifest names for it. */
    public record ImageLayer(int position, Digest chainId, Digest blobDigest, String blobMediaType, long blobSize) {}

    /** An image row; manifestDigest/mediaType describe the platform manifest it was pulled with (null if imported). */
    public record ImageRecord(Digest id, Digest manifestDigest, String manifestMediaType, long size) {}

    /** A repo digest: "docker.io/library/busybox@sha256:..." names the manifest (or index) pulled. */
    public record RepoDigest(String name, String repository, Digest manifestDigest) {}

    private static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS layers(
              chain_id TEXT PRIMARY KEY, diff_id TEXT NOT NULL, parent TEXT, size INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS images(
              id TEXT PRIMARY KEY, manifest_digest TEXT, manifest_media_type TEXT, size INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS image_layers(
              image_id TEXT NOT NULL REFERENCES images(id), position INTEGER NOT NULL,
              chain_id TEXT NOT NULL REFERENCES layers(chain_id), blob_digest TEXT NOT NULL,
              blob_media_type TEXT NOT NULL, blob_size INTEGER NOT NULL, PRIMARY KEY(image_id, position));
            CREATE TABLE IF NOT EXISTS tags(name TEXT PRIMARY KEY, image_id TEXT NOT NULL REFERENCES images(id));
            CREATE TABLE IF NOT EXISTS image_parents(
              image_id TEXT PRIMARY KEY REFERENCES images(id), parent_id TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS repo_digests(
              name TEXT PRIMARY KEY, repository TEXT NOT NULL, manifest_digest TEXT NOT NULL,
              image_id TEXT NOT NULL REFERENCES images(id));
            """;

    private final Connection connection;

    MetadataStore(Path file) {
        try {
            connection = DriverManager.getConnection("jdbc:sqlite:" + file);
            try (Statement statement = connection.createStatement()) {
                statement.execute("PRAGMA foreign_keys = ON");
                statement.execute("PRAGMA journal_mode = WAL");
                // WAL + NORMAL stays consistent after a power loss (the last transactions may be lost, never
                // half-applied) without an fsync per commit, each of which would flush all layer data written.
                statement.execute("PRAGMA synchronous = NORMAL");
                for (String ddl : SCHEMA.split(";")) {
                    if (!ddl.isBlank()) statement.execute(ddl);
                }
            }
            connection.setAutoCommit(false);
            connection.commit();
        } catch (SQLException e) {
            throw new StoreException("cannot open image metadata " + file, e);
        }
    }

    @FunctionalInterface
    private interface Work<T> {
        T run() throws SQLException;
    }

    /** Runs {@code work} as one transaction. */
    private synchronized <T> T transaction(String what, Work<T> work) {
        try {
            T result = work.run();
            connection.commit();
            return result;
        } catch (SQLException e) {
            try {
                connection.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw new StoreException("image metadata: " + what + " failed", e);
        }
    }

    private PreparedStatement prepare(String sql, Object... args) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            Object arg = args[i];
            statement.setObject(i + 1, arg instanceof Digest d ? d.toString() : arg);
        }
        return statement;
    }

    private int update(String sql, Object... args) throws SQLException {
        try (PreparedStatement statement = prepare(sql, args)) {
            return statement.executeUpdate();
        }
    }

    private List<String> strings(String sql, Object... args) throws SQLException {
        try (PreparedStatement statement = prepare(sql, args); ResultSet rows = statement.executeQuery()) {
            List<String> values = new ArrayList<>();
            while (rows.next()) values.add(rows.getString(1));
            return values;
        }
    }

    private static Digest digestOrNull(String text) {
        return text == null ? null : Digest.parse(text);
    }

    public boolean hasLayer(Digest chainId) {
        return transaction("layer lookup", () -> !strings("SELECT chain_id FROM layers WHERE chain_id = ?", chainId).isEmpty());
    }

    public Optional<LayerRecord> layer(Digest chainId) {
        return transaction("layer lookup", () -> {
            try (PreparedStatement statement = prepare("SELECT diff_id, parent, size FROM layers WHERE chain_id = ?", chainId);
                 ResultSet row = statement.executeQuery()) {
                if (!row.next()) return Optional.empty();
                return Optional.of(new LayerRecord(chainId, Digest.parse(row.getString(1)),
                        digestOrNull(row.getString(2)), row.getLong(3)));
            }
        });
    }

    /** The chain ids of every registered layer. */
    public List<Digest> layerIds() {
        return transaction("listing layers", () -> strings("SELECT chain_id FROM layers ORDER BY chain_id").stream().map(Digest::parse).toList());
    }

    public void insertLayer(LayerRecord layer) {
        transaction("registering layer " + layer.chainId(), () -> update(
                "INSERT OR IGNORE INTO layers(chain_id, diff_id, parent, size) VALUES (?, ?, ?, ?)",
                layer.chainId(), layer.diffId(), layer.parent(), layer.size()));
    }

    /**
     * Registers an image (if new) with its layers, points {@code tagName} at it and records a repo
     * digest, all in one transaction. Returns true if the image row was new.
     */
    public boolean saveImage(ImageRecord image, List<ImageLayer> layers, Optional<String> tagName,
                             Optional<RepoDigest> repoDigest) {
        return saveImage(image, layers, tagName, repoDigest, Optional.empty());
    }

    /**
     * As {@link #saveImage(ImageRecord, List, Optional, Optional)}, also recording the image it was
     * made from (docker commit's parent), which then cannot be deleted while this one exists.
     */
    public boolean saveImage(ImageRecord image, List<ImageLayer> layers, Optional<String> tagName,
                             Optional<RepoDigest> repoDigest, Optional<Digest> parent) {
        return transaction("saving image " + image.id(), () -> {
            boolean created = update("INSERT OR IGNORE INTO images(id, manifest_digest, manifest_media_type, size) VALUES (?, ?, ?, ?)",
                    image.id(), image.manifestDigest(), image.manifestMediaType(), image.size()) == 1;
            if (created) {
                for (ImageLayer layer : layers) {
                    update("INSERT INTO image_layers(image_id, position, chain_id, blob_digest, blob_media_type, blob_size) VALUES (?, ?, ?, ?, ?, ?)",
                            image.id(), layer.position(), layer.chainId(), layer.blobDigest(), layer.blobMediaType(), layer.blobSize());
                }
            } else if (image.manifestDigest() != null) {
                update("UPDATE images SET manifest_digest = ?, manifest_media_type = ? WHERE id = ?",
                        image.manifestDigest(), image.manifestMediaType(), image.id());
            }
            if (created && parent.isPresent()) {
                update("INSERT INTO image_parents(image_id, parent_id) VALUES (?, ?)", image.id(), parent.get());
            }
            if (tagName.isPresent()) {
                update("INSERT OR REPLACE INTO tags(name, image_id) VALUES (?, ?)", tagName.get(), image.id());
            }
            if (repoDigest.isPresent()) {
                RepoDigest d = repoDigest.get();
                update("INSERT OR REPLACE INTO repo_digests(name, repository, manifest_digest, image_id) VALUES (?, ?, ?, ?)",
                        d.name(), d.repository(), d.manifestDigest(), image.id());
            }
            return created;
        });
    }

    public Optional<ImageRecord> image(Digest id) {
        return transaction("image lookup", () -> {
            try (PreparedStatement statement = prepare("SELECT manifest_digest, manifest_media_type, size FROM images WHERE id = ?", id);
                 ResultSet row = statement.executeQuery()) {
                if (!row.next()) return Optional.empty();
                return Optional.of(new ImageRecord(id, digestOrNull(row.getString(1)), row.getString(2), row.getLong(3)));
            }
        });
    }

    public List<Digest> imageIds() {
        return transaction("listing images", () -> strings("SELECT id FROM images ORDER BY id").stream().map(Digest::parse).toList());
    }

    /** Image ids starting with "sha256:" + hexPrefix. */
    public List<Digest> imageIdsWithPrefix(String hexPrefix) {
        return transaction("image id lookup", () -> strings("SELECT id FROM images WHERE substr(id, 1, ?) = ?",
                7 + hexPrefix.length(), Digest.SHA256 + ":" + hexPrefix).stream().map(Digest::parse).toList());
    }

    public Optional<Digest> tagTarget(String name) {
        return transaction("tag lookup", () -> strings("SELECT image_id FROM tags WHERE name = ?", name).stream()
                .findFirst().map(Digest::parse));
    }

    public Optional<Digest> repoDigestTarget(String name) {
        return transaction("digest lookup", () -> strings("SELECT image_id FROM repo_digests WHERE name = ?", name).stream()
                .findFirst().map(Digest::parse));
    }

    /** The image an image was made from (commit), if recorded. */
    public Optional<Digest> parentOf(Digest id) {
        return transaction("parent lookup", () -> strings("SELECT parent_id FROM image_parents WHERE image_id = ?", id).stream()
                .findFirst().map(Digest::parse));
    }

    /** Images made from this one. */
    public List<Digest> childrenOf(Digest id) {
        return transaction("children lookup", () -> strings("SELECT image_id FROM image_parents WHERE parent_id = ? ORDER BY image_id", id)
                .stream().map(Digest::parse).toList());
    }

    /** Every image some other image was made from. */
    public Set<Digest> parentIds() {
        return transaction("listing parents", () -> new HashSet<>(strings("SELECT DISTINCT parent_id FROM image_parents")
                .stream().map(Digest::parse).toList()));
    }

    public List<String> tagsOf(Digest id) {
        return transaction("tag lookup", () -> strings("SELECT name FROM tags WHERE image_id = ? ORDER BY name", id));
    }

    /** Every tag name ("host/repo:tag") of one repository ("host/repo"), sorted. */
    public List<String> tagsInRepository(String repository) {
        return transaction("tag lookup", () -> strings("SELECT name FROM tags WHERE substr(name, 1, ?) = ? ORDER BY name",
                repository.length() + 1, repository + ":"));
    }

    public List<String> repoDigestsOf(Digest id) {
        return transaction("digest lookup", () -> strings("SELECT name FROM repo_digests WHERE image_id = ? ORDER BY name", id));
    }

    public List<ImageLayer> imageLayers(Digest id) {
        return transaction("image layers lookup", () -> {
            try (PreparedStatement statement = prepare("SELECT position, chain_id, blob_digest, blob_media_type, blob_size "
                    + "FROM image_layers WHERE image_id = ? ORDER BY position", id);
                 ResultSet rows = statement.executeQuery()) {
                List<ImageLayer> layers = new ArrayList<>();
                while (rows.next()) {
                    layers.add(new ImageLayer(rows.getInt(1), Digest.parse(rows.getString(2)), Digest.parse(rows.getString(3)),
                            rows.getString(4), rows.getLong(5)));
                }
                return layers;
            }
        });
    }

    public void setTag(String name, Digest id) {
        transaction("tagging " + name, () -> update("INSERT OR REPLACE INTO tags(name, image_id) VALUES (?, ?)", name, id));
    }

    public boolean removeTag(String name) {
        return transaction("untagging " + name, () -> update("DELETE FROM tags WHERE name = ?", name) == 1);
    }

    public boolean removeRepoDigest(String name) {
        return transaction("untagging " + name, () -> update("DELETE FROM repo_digests WHERE name = ?", name) == 1);
    }

    /** What an image deletion freed: layers no image uses any more, and the blobs still referenced. */
    public record Deletion(List<Digest> unusedLayers, Set<Digest> referencedBlobs) {}

    /**
     * Deletes an image with its tags and digests, unregisters every layer no remaining image uses, and
     * returns those layers plus the set of blobs still referenced (the caller deletes the rest from disk).
     */
    public Deletion deleteImage(Digest id) {
        return transaction("deleting image " + id, () -> {
            update("DELETE FROM tags WHERE image_id = ?", id);
            update("DELETE FROM repo_digests WHERE image_id = ?", id);
            update("DELETE FROM image_layers WHERE image_id = ?", id);
            update("DELETE FROM image_parents WHERE image_id = ?", id);
            update("DELETE FROM images WHERE id = ?", id);
            List<Digest> unused = strings("SELECT chain_id FROM layers WHERE chain_id NOT IN (SELECT chain_id FROM image_layers)")
                    .stream().map(Digest::parse).toList();
            update("DELETE FROM layers WHERE chain_id NOT IN (SELECT chain_id FROM image_layers)");
            Set<Digest> referenced = new HashSet<>();
            for (String sql : List.of("SELECT id FROM images", "SELECT manifest_digest FROM images WHERE manifest_digest IS NOT NULL",
                    "SELECT manifest_digest FROM repo_digests", "SELECT blob_digest FROM image_layers")) {
                strings(sql).forEach(d -> referenced.add(Digest.parse(d)));
            }
            return new Deletion(unused, referenced);
        });
    }

    /** Every blob some image still references: configs, manifests, repo digest targets, layer blobs. */
    public Set<Digest> referencedBlobs() {
        return transaction("listing referenced blobs", () -> {
            Set<Digest> referenced = new HashSet<>();
            for (String sql : List.of("SELECT id FROM images", "SELECT manifest_digest FROM images WHERE manifest_digest IS NOT NULL",
                    "SELECT manifest_digest FROM repo_digests", "SELECT blob_digest FROM image_layers")) {
                strings(sql).forEach(d -> referenced.add(Digest.parse(d)));
            }
            return referenced;
        });
    }

    /** Registered layers no image stacks (left when a pull failed after unpacking some layers). */
    public List<Digest> unusedLayers() {
        return transaction("listing unused layers", () -> strings(
                "SELECT chain_id FROM layers WHERE chain_id NOT IN (SELECT chain_id FROM image_layers)").stream().map(Digest::parse).toList());
    }

    public void deleteLayer(Digest chainId) {
        transaction("deleting layer " + chainId, () -> update(
                "DELETE FROM layers WHERE chain_id = ? AND chain_id NOT IN (SELECT chain_id FROM image_layers)", chainId));
    }

    @Override
    public synchronized void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            throw new StoreException("closing image metadata failed", e);
        }
    }
}
