package io.berth.runtime.seccomp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/** System call names to numbers for one ABI, from the tables generated out of the kernel headers. */
public final class SyscallTable {
    private final Map<String, Integer> numbers;

    private SyscallTable(Map<String, Integer> numbers) {
        this.numbers = numbers;
    }

    static SyscallTable load(String arch) {
        String resource = "syscalls-" + arch + ".tsv";
        try (InputStream in = SyscallTable.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing resource " + resource);
            Map<String, Integer> numbers = new HashMap<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.isEmpty() || line.startsWith("#")) continue;
                int tab = line.indexOf('\t');
                numbers.put(line.substring(0, tab), Integer.parseInt(line.substring(tab + 1)));
            }
            return new SyscallTable(Map.copyOf(numbers));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The call's number on this ABI, or empty when the ABI has no such call (it is then not filtered there). */
    public OptionalInt number(String name) {
        Integer number = numbers.get(name);
        return number == null ? OptionalInt.empty() : OptionalInt.of(number);
    }
}
