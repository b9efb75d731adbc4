package dev.probeval.tests;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of the modules, checked on their main classes (test classes and test jars excluded): core is pure
 * (no Kafka, DJL, HTTP, Avro, nor any other probeval module); model is DJL without HTTP; services never depend on one
 * another (only the CLI composes them); no main class uses the test fixtures.
 */
class LayeringTest {
    private static final String[] SERVICES = {
        "dev.probeval.aggregator..",
        "dev.probeval.worker..",
        "dev.probeval.producer..",
        "dev.probeval.serve..",
        "dev.probeval.lab.."
    };
    private static JavaClasses main;

    /** Main classes only: not this module's tests, not other modules' test classes or test jars. */
    static final class MainClassesOnly implements ImportOption {
        @Override
        public boolean includes(Location location) {
            return !location.contains("/test-classes/") && !location.contains("-tests.jar");
        }
    }

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(new MainClassesOnly()).importPackages("dev.probeval");
    }

    @Test
    void coreIsPureMathAndText() {
        noClasses()
                .that()
                .resideInAPackage("dev.probeval.core..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.apache.kafka..",
                        "ai.djl..",
                        "io.javalin..",
                        "org.eclipse.jetty..",
                        "org.apache.avro..",
                        "com.fasterxml.jackson..",
                        "java.net.http..")
                .orShould()
                .dependOnClassesThat()
                .resideInAnyPackage(List.of(
                                "dev.probeval.avro..",
                                "dev.probeval.contract..",
                                "dev.probeval.kafka..",
                                "dev.probeval.http..",
                                "dev.probeval.model..",
                                "dev.probeval.worker..",
                                "dev.probeval.aggregator..")
                        .toArray(String[]::new))
                .because("core is the bounds library and the scorers: pure math, no I/O")
                .check(main);
    }

    @Test
    void modelIsDjlWithoutHttp() {
        noClasses()
                .that()
                .resideInAPackage("dev.probeval.model..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.javalin..",
                        "org.eclipse.jetty..",
                        "jakarta.servlet..",
                        "dev.probeval.http..",
                        "dev.probeval.serve..",
                        "dev.probeval.openai..")
                .because("serving a model over HTTP is the serve module's job")
                .check(main);
    }

    @Test
    void servicesNeverDependOnEachOther() {
        for (String service : SERVICES) {
            String[] others = java.util.Arrays.stream(SERVICES)
                    .filter(s -> !s.equals(service))
                    .toArray(String[]::new);
            noClasses()
                    .that()
                    .resideInAPackage(service)
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(others)
                    .because("services meet on Kafka topics and HTTP, and only the CLI (app) composes them")
                    .check(main);
        }
    }

    @Test
    void noMainClassUsesTheTestFixtures() {
        noClasses()
                .that()
                .resideOutsideOfPackages("dev.probeval.benchmarks..", "dev.probeval.testsupport..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.probeval.testsupport..",
                        "dev.probeval.broker.testing..",
                        "dev.probeval.registry.mock..",
                        "org.junit..")
                .because(
                        "test support ships in no main jar (benchmarks, which run from the build tree, are the exception)")
                .check(main);
    }
}
