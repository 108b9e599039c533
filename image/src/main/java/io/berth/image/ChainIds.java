package io.berth.image;

import io.berth.oci.Digest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Chain ids (OCI image spec): a layer's identity together with every layer below it. */
final class ChainIds {
    private ChainIds() {}

    static List<Digest> of(List<Digest> diffIds) {
        List<Digest> chain = new ArrayList<>(diffIds.size());
        for (Digest diffId : diffIds) {
            chain.add(chain.isEmpty() ? diffId
                    : Digest.sha256((chain.getLast() + " " + diffId).getBytes(StandardCharsets.US_ASCII)));
        }
        return chain;
    }
}
