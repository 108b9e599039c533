package io.berth.engine.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.engine.container.Container;
import io.berth.engine.container.ContainerSpec;
import io.berth.engine.container.ContainerState;
import io.berth.engine.container.HostSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Container records in one SQLite database (WAL mode, one statement per transaction). Names are
 * unique at the schema level, so two concurrent creates with one name cannot both succeed.
 * Methods are synchronized: a single connection serves the whole daemon.
 */
public final class ContainerStore implements AutoCloseable {
    private static final String COLUMNS =
            "id, name, image_id, image_ref, spec, host, created, state, pid, exit_code, started_at, finished_at, error, oom_killed";

    private final Connection connection;
    private final ObjectMapper json = new ObjectMapper();

    private ContainerStore(Connection connection) {
        this.connection = connection;
    }

    public static ContainerStore open(Path databaseFile) {
        try {
            Connection connection = DriverManager.getConnection("jdbc:sqlite:" + databaseFile);
            try (Statement s = connection.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                // NORMAL keeps each commit durable against a daemon crash (not a power cut) without an fsync per write.
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS containers (
                          id TEXT PRIMARY KEY,
                          name TEXT NOT NULL UNIQUE,
                          image_id TEXT NOT NULL,
                          image_ref TEXT NOT NULL,
                          spec TEXT NOT NULL,
                          host TEXT NOT NULL,
                          created TEXT NOT NULL,
                          state TEXT NOT NULL,
                          pid INTEGER NOT NULL,
                          exit_code INTEGER NOT NULL,
                          started_at TEXT,
                          finished_at TEXT,
                          error TEXT NOT NULL,
                          oom_killed INTEGER NOT NULL DEFAULT 0)""");
                addColumnIfMissing(s, "oom_killed INTEGER NOT NULL DEFAULT 0");
            }
            return new ContainerStore(connection);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open state database " + databaseFile + ": " + e.getMessage(), e);
        }
    }

    /** Databases written before a column existed get it with its default. */
    private static void addColumnIfMissing(Statement s, String columnDefinition) throws SQLException {
        String column = columnDefinition.split(" ", 2)[0];
        try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM pragma_table_info('containers') WHERE name='" + column + "'")) {
            if (r.next() && r.getInt(1) > 0) return;
        }
        s.execute("ALTER TABLE containers ADD COLUMN " + columnDefinition);
    }

    /** Inserts a new record; returns false when the name is taken (the caller reports the conflict). */
    public synchronized boolean insert(Container c) {
        try (PreparedStatement s = connection.prepareStatement(
                "INSERT INTO containers (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
            bind(s, c);
            s.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (e.getMessage() != null && e.getMessage().contains("UNIQUE constraint failed: containers.name")) {
                return false;
            }
            throw new IllegalStateException("cannot record container " + c.id() + ": " + e.getMessage(), e);
        }
    }

    public synchronized void update(Container c) {
        try (PreparedStatement s = connection.prepareStatement(
                "UPDATE containers SET state=?, pid=?, exit_code=?, started_at=?, finished_at=?, error=?, spec=?, host=?, "
                        + "oom_killed=? WHERE id=?")) {
            s.setString(1, c.state().apiName());
            s.setInt(2, c.pid());
            s.setInt(3, c.exitCode());
            s.setString(4, text(c.startedAt()));
            s.setString(5, text(c.finishedAt()));
            s.setString(6, c.error());
            s.setString(7, json.writeValueAsString(c.spec()));
            s.setString(8, json.writeValueAsString(c.host()));
            s.setInt(9, c.oomKilled() ? 1 : 0);
            s.setString(10, c.id());
            s.executeUpdate();
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("cannot update container " + c.id() + ": " + e.getMessage(), e);
        }
    }

    public synchronized void delete(String id) {
        try (PreparedStatement s = connection.prepareStatement("DELETE FROM containers WHERE id=?")) {
            s.setString(1, id);
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot delete container record " + id + ": " + e.getMessage(), e);
        }
    }

    public synchronized Optional<Container> byId(String id) {
        List<Container> found = query("SELECT " + COLUMNS + " FROM containers WHERE id=?", id);
        return found.stream().findFirst();
    }

    public synchronized Optional<Container> byName(String name) {
        List<Container> found = query("SELECT " + COLUMNS + " FROM containers WHERE name=?", name);
        return found.stream().findFirst();
    }

    public synchronized List<Container> byIdPrefix(String prefix) {
        // GLOB is case-sensitive and the prefix is validated hex by the caller, so no escaping is needed.
        return query("SELECT " + COLUMNS + " FROM containers WHERE id GLOB ?", prefix + "*");
    }

    /** All containers, newest first (docker ps order). */
    public synchronized List<Container> all() {
        return query("SELECT " + COLUMNS + " FROM containers ORDER BY rowid DESC");
    }

    private List<Container> query(String sql, String... args) {
        try (PreparedStatement s = connection.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) s.setString(i + 1, args[i]);
            try (ResultSet r = s.executeQuery()) {
                List<Container> result = new ArrayList<>();
                while (r.next()) result.add(read(r));
                return result;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read containers: " + e.getMessage(), e);
        }
    }

    private void bind(PreparedStatement s, Container c) throws SQLException {
        try {
            s.setString(1, c.id());
            s.setString(2, c.name());
            s.setString(3, c.imageId());
            s.setString(4, c.imageReference());
            s.setString(5, json.writeValueAsString(c.spec()));
            s.setString(6, json.writeValueAsString(c.host()));
            s.setString(7, c.created().toString());
            s.setString(8, c.state().apiName());
            s.setInt(9, c.pid());
            s.setInt(10, c.exitCode());
            s.setString(11, text(c.startedAt()));
            s.setString(12, text(c.finishedAt()));
            s.setString(13, c.error());
            s.setInt(14, c.oomKilled() ? 1 : 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Container read(ResultSet r) throws SQLException {
        try {
            return new Container(r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                    json.readValue(r.getString(5), ContainerSpec.class), json.readValue(r.getString(6), HostSpec.class),
                    Instant.parse(r.getString(7)), ContainerState.fromApiName(r.getString(8)), r.getInt(9), r.getInt(10),
                    instant(r.getString(11)), instant(r.getString(12)), r.getString(13),
                    r.getInt(14) != 0);
        } catch (IOException e) {
            throw new IllegalStateException("corrupt container record " + r.getString(1) + ": " + e.getMessage(), e);
        }
    }

    private static String text(Instant t) {
        return t == null ? null : t.toString();
    }

    private static Instant instant(String s) {
        return s == null ? null : Instant.parse(s);
    }

    @Override
    public synchronized void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot close state database: " + e.getMessage(), e);
        }
    }
}
