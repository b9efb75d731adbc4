package dev.probeval.model;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Chooses where models run: the first GPU when the PyTorch engine sees one, else the CPU. */
public final class Devices {
    private Devices() {}

    /** {@code Device.gpu()} when {@code Engine.getInstance().getGpuCount() > 0}, else {@code Device.cpu()}. */
    public static Device preferred() {
        return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }
}
