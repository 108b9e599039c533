package io.berth.engine;

import io.berth.engine.system.HostFacts;

import java.nio.file.Path;

/** The figures GET /info reports. {@code cgroupVersion} is "1" or "2". */
public record EngineInfo(int containers, int running, int paused, int stopped, int images, String cgroupVersion,
                         HostFacts host, Path dataRoot) {}
