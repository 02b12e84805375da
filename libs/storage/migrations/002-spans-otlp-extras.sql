-- The OTLP fields the exporter-compatible columns do not hold, so a stored span keeps every field
-- the decoder saw: trace flags, dropped counts, scope attributes, schema URLs, per-event and
-- per-link details. Readers that only know the exporter's columns are unaffected.

ALTER TABLE ${db}.spans ADD COLUMN IF NOT EXISTS Flags UInt32 DEFAULT 0 CODEC(ZSTD(1));
ALTER TABLE ${db}.spans ADD COLUMN IF NOT EXISTS DroppedAttributesCount UInt32 DEFAULT 0 CODEC(ZSTD(1));
ALTER TABLE ${db}.spans ADD COLUMN IF NOT EXISTS DroppedEventsCount UInt32 DEFAULT 0 CODEC(ZSTD(1));
ALTER TABLE ${db}.spans ADD COLUMN IF NOT EXISTS DroppedLinksCount UInt32 DEFAULT 0 CODEC(ZSTD(1));
ALTER TABLE ${db}.spans ADD COLUMN IF NOT EXISTS ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1));
ALTER TABLE ${db}.spans ADD COLUMN IF NOT EXISTS ScopeDroppedAttributesCount UInt32 DEFAULT 0 CODEC(ZSTD(1));
ALTER TABLE ${db}.spans ADD COLUMN IF NOT EXISTS ScopeSchemaUrl String DEFAULT '' CODEC(ZSTD(1));
ALTER TABLE ${db}.spans ADD COLUMN IF NOT EXISTS ResourceDroppedAttributesCount UInt32 DEFAULT 0 CODEC(ZSTD(1));
ALTER TABLE ${db}.spans ADD COLUMN IF NOT EXISTS ResourceSchemaUrl String DEFAULT '' CODEC(ZSTD(1));
ALTER TABLE ${db}.spans ADD COLUMN IF NOT EXISTS `Events.DroppedAttributesCount` Array(UInt32) CODEC(ZSTD(1));
ALTER TABLE ${db}.spans ADD COLUMN IF NOT EXISTS `Links.Flags` Array(UInt32) CODEC(ZSTD(1));
ALTER TABLE ${db}.spans ADD COLUMN IF NOT EXISTS `Links.DroppedAttributesCount` Array(UInt32) CODEC(ZSTD(1));
