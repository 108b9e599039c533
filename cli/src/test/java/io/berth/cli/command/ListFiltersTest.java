package io.berth.cli.command;

import io.berth.api.model.ApiJson;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ListFiltersTest {
    @Test
    void groupsValuesByKeyInDockersForm() {
        assertEquals("{\"name\":{\"web\":true,\"db\":true},\"label\":{\"k=v\":true}}",
                ListFilters.toJson(List.of("name=web", "label=k=v", "NAME=db"), ApiJson.newMapper()));
        assertNull(ListFilters.toJson(List.of(), ApiJson.newMapper()));
    }

    @Test
    void rejectsFiltersWithoutAValue() {
        assertThrows(IllegalArgumentException.class, () -> ListFilters.toJson(List.of("status"), ApiJson.newMapper()));
    }
}
