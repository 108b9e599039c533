package io.berth.api.server.http;

import io.netty.handler.codec.http.HttpMethod;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One endpoint: a method and a path template such as {@code /containers/{id}/json}. A parameter
 * written {@code {name*}} may span slashes (image names like "localhost:5000/team/app").
 * {@code streamsBody} routes get their request body as a stream instead of aggregated bytes.
 */
public record Route(HttpMethod method, String template, Pattern pattern, List<String> parameters, Endpoint endpoint,
                    boolean streamsBody) {

    public static Route of(HttpMethod method, String template, Endpoint endpoint) {
        return compile(method, template, endpoint, false);
    }

    public static Route streaming(HttpMethod method, String template, Endpoint endpoint) {
        return compile(method, template, endpoint, true);
    }

    private static Route compile(HttpMethod method, String template, Endpoint endpoint, boolean streamsBody) {
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("\\{(\\w+)(\\*?)}").matcher(template);
        StringBuilder regex = new StringBuilder();
        int last = 0;
        while (m.find()) {
            regex.append(Pattern.quote(template.substring(last, m.start())));
            regex.append(m.group(2).isEmpty() ? "([^/]+)" : "(.+)");
            names.add(m.group(1));
            last = m.end();
        }
        regex.append(Pattern.quote(template.substring(last)));
        return new Route(method, template, Pattern.compile(regex.toString()), List.copyOf(names), endpoint, streamsBody);
    }
}
