package io.berth.api.server.http;

import io.berth.errdefs.InvalidArgumentException;
import io.berth.errdefs.NotFoundException;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RouterTest {
    static final Endpoint NOTHING = ex -> {};
    final Router router = new Router(List.of(
            Route.of(HttpMethod.GET, "/images/json", NOTHING),
            Route.of(HttpMethod.GET, "/images/{name*}/json", NOTHING),
            Route.of(HttpMethod.DELETE, "/containers/{id}", NOTHING)));

    @Test
    void matchesTemplatesWithAndWithoutVersionPrefix() {
        var m = router.match(HttpMethod.GET, "/v1.41/images/localhost:5000/team/app:1/json");
        assertEquals("localhost:5000/team/app:1", m.pathParameters().get("name"));
        assertEquals(new ApiVersion(1, 41), m.version());
        assertEquals("/images/json", router.match(HttpMethod.GET, "/images/json").route().template());
        assertEquals("abc", router.match(HttpMethod.DELETE, "/containers/abc").pathParameters().get("id"));
        assertEquals(ApiVersion.MAX, router.match(HttpMethod.DELETE, "/containers/abc").version());
    }

    @Test
    void rejectsUnknownRoutesAndUnsupportedVersions() {
        assertEquals("page not found",
                assertThrows(NotFoundException.class, () -> router.match(HttpMethod.POST, "/images/json")).getMessage());
        assertThrows(NotFoundException.class, () -> router.match(HttpMethod.DELETE, "/containers/a/b"));
        assertEquals("client version 1.51 is too new. Maximum supported API version is 1.50",
                assertThrows(InvalidArgumentException.class, () -> router.match(HttpMethod.GET, "/v1.51/images/json")).getMessage());
        assertThrows(InvalidArgumentException.class, () -> router.match(HttpMethod.GET, "/v1.9/images/json"));
    }
}
