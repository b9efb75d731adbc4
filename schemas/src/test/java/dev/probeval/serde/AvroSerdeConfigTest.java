package dev.probeval.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.probeval.registry.RestSchemaRegistryClient;
import dev.probeval.registry.SchemaRegistryClient;
import dev.probeval.registry.mock.MockSchemaRegistry;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class AvroSerdeConfigTest {
    @Test
    void shouldDefaultLikeConfluent() {
        AvroSerdeConfig c = AvroSerdeConfig.from(Map.of("schema.registry.url", "http://127.0.0.1:8081"));
        assertTrue(c.autoRegisterSchemas());
        assertFalse(c.useLatestVersion());
        assertEquals("URL", c.credentialsSource());
        assertEquals(-1, c.latestCacheTtlSec());
    }

    @Test
    void shouldNameTheMissingOrBadKey() {
        ConfigException missing = assertThrows(ConfigException.class, () -> AvroSerdeConfig.from(Map.of()));
        assertTrue(missing.getMessage().contains("schema.registry.url"), missing.getMessage());
        ConfigException bool = assertThrows(
                ConfigException.class,
                () -> AvroSerdeConfig.from(
                        Map.of("schema.registry.url", "http://h:1", "auto.register.schemas", "yes")));
        assertTrue(bool.getMessage().contains("auto.register.schemas"), bool.getMessage());
        ConfigException auth = assertThrows(
                ConfigException.class,
                () -> AvroSerdeConfig.from(Map.of(
                        "schema.registry.url",
                        "http://h:1",
                        "basic.auth.credentials.source",
                        "USER_INFO",
                        "basic.auth.user.info",
                        "nocolon")));
        assertTrue(auth.getMessage().contains("user:password"), auth.getMessage());
        ConfigException scheme = assertThrows(
                ConfigException.class,
                () -> AvroSerdeConfig.from(Map.of("schema.registry.url", "ftp://h:1"))
                        .createClient());
        assertTrue(scheme.getMessage().contains("http"), scheme.getMessage());
    }

    @Test
    void shouldBuildRestClientWithAllUrlsAndStripUserInfo() {
        AvroSerdeConfig c = AvroSerdeConfig.from(Map.of(
                "schema.registry.url", "http://u:p@a:8081/, http://b:8081", "basic.auth.credentials.source", "url"));
        RestSchemaRegistryClient client = assertInstanceOf(RestSchemaRegistryClient.class, c.createClient());
        assertEquals(List.of(URI.create("http://a:8081"), URI.create("http://b:8081")), client.baseUrls());
        assertEquals("Basic dTpw", RestSchemaRegistryClient.basicAuth("u:p"));
    }

    @Test
    void shouldGiveAMockUrlToTheProviderOnTheClassPathSharingOneRegistryPerScope() {
        String scope = "config-test-" + System.nanoTime();
        try {
            SchemaRegistryClient viaUrl = AvroSerdeConfig.from(Map.of("schema.registry.url", "mock://" + scope))
                    .createClient();
            int id = viaUrl.register("t-value", Schema.create(Schema.Type.STRING));
            assertEquals(
                    List.of("t-value"), MockSchemaRegistry.client(scope).getSubjects(), "same scope, same registry");
            assertEquals(
                    Schema.create(Schema.Type.STRING),
                    MockSchemaRegistry.client(scope).getById(id));
            assertTrue(MockSchemaRegistry.client(scope + "-other").getSubjects().isEmpty(), "another scope is empty");
        } finally {
            MockSchemaRegistry.dropScope(scope);
            MockSchemaRegistry.dropScope(scope + "-other");
        }
    }

    @Test
    void shouldLeaveHttpUrlsToTheRestClientAndRejectSchemesNoProviderServes() {
        assertTrue(AvroSerdeConfig.provider("http://mock:8081").isEmpty());
        assertTrue(AvroSerdeConfig.provider("HTTPS://h").isEmpty());
        assertEquals("mock", AvroSerdeConfig.provider("mock://x").orElseThrow().scheme());
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> AvroSerdeConfig.from(Map.of("schema.registry.url", "memory://x"))
                        .createClient());
        assertTrue(e.getMessage().contains("must be http(s)://host[:port]: 'memory://x'"), e.getMessage());
    }
}
