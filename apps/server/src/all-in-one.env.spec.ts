import { allInOneEnv, embeddedConfig } from './all-in-one.env';

describe('the embedded default’s topics', () => {
  it('have EMBEDDED_QUEUE_PARTITIONS partitions (2), not the Kafka topics’ 12', () => {
    const c = allInOneEnv.parse({ GRAPHQL_AUTH: 'off' });
    expect(c.ingest.topicPartitions).toBe(12);
    const embedded = embeddedConfig(c);
    expect(embedded.ingest.topicPartitions).toBe(2);
    expect(embedded.clustering.topicPartitions).toBe(2);
    expect(embedded.modeling.topicPartitions).toBe(2);
    // Everything else is the parsed configuration.
    expect({
      ...embedded,
      ingest: c.ingest,
      clustering: c.clustering,
      modeling: c.modeling,
    }).toEqual(c);
  });

  it('follow the option, whatever the services’ own topic options say', () => {
    const c = allInOneEnv.parse({
      GRAPHQL_AUTH: 'off',
      EMBEDDED_QUEUE_PARTITIONS: '1',
      INGEST_TOPIC_PARTITIONS: '6',
    });
    expect(embeddedConfig(c).ingest.topicPartitions).toBe(1);
    expect(embeddedConfig(c).clustering.topicPartitions).toBe(1);
  });

  it('refuses a partition count out of range with the key named', () => {
    expect(() =>
      allInOneEnv.parse({ GRAPHQL_AUTH: 'off', EMBEDDED_QUEUE_PARTITIONS: '0' }),
    ).toThrow(/EMBEDDED_QUEUE_PARTITIONS/);
  });
});
