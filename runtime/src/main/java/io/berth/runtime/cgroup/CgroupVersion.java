package io.berth.runtime.cgroup;

/** Which cgroup hierarchy the host runs: v1 (legacy or hybrid, one hierarchy per controller) or v2 (unified). */
public enum CgroupVersion {
    V1(1), V2(2);

    private final int number;

    CgroupVersion(int number) { this.number = number; }

    /** 1 or 2, as `docker info` shows it. */
    public int number() { return number; }
}
