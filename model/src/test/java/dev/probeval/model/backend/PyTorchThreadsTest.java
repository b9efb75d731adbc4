package dev.probeval.model.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PyTorchThreadsTest {
    @Test
    void theDefaultShouldLeaveOneCoreToTheRestOfTheProcessButKeepAtLeastOneThread() {
        assertEquals(1, PyTorchThreads.defaultFor(1));
        assertEquals(1, PyTorchThreads.defaultFor(2));
        assertEquals(3, PyTorchThreads.defaultFor(4));
        assertEquals(15, PyTorchThreads.defaultFor(16));
    }

    @Test
    void aThreadCountTheUserSetShouldBeKeptAndAnUnsetOneGetTheDefault() {
        String before = System.getProperty(PyTorchThreads.PROPERTY);
        try {
            System.setProperty(PyTorchThreads.PROPERTY, "7");
            assertEquals("7", PyTorchThreads.applyDefault());
            assertEquals("7", System.getProperty(PyTorchThreads.PROPERTY));
            System.clearProperty(PyTorchThreads.PROPERTY);
            String expected = Integer.toString(
                    PyTorchThreads.defaultFor(Runtime.getRuntime().availableProcessors()));
            assertEquals(expected, PyTorchThreads.applyDefault());
            assertEquals(expected, System.getProperty(PyTorchThreads.PROPERTY));
        } finally {
            if (before == null) {
                System.clearProperty(PyTorchThreads.PROPERTY);
            } else {
                System.setProperty(PyTorchThreads.PROPERTY, before);
            }
        }
    }

    @Test
    void setIntraOpShouldChangeTheThreadCountNowAndReturnThePreviousOne() {
        int before = PyTorchThreads.intraOp();
        try {
            int other = before == 1 ? 2 : 1;
            assertEquals(before, PyTorchThreads.setIntraOp(other));
            assertEquals(other, PyTorchThreads.intraOp());
        } finally {
            PyTorchThreads.setIntraOp(before);
        }
        assertEquals(before, PyTorchThreads.intraOp());
    }
}
