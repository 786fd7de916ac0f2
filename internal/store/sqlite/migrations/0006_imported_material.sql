-- Imported key material (Origin EXTERNAL) may expire: when, in unix
-- microseconds (NULL: it does not). The maintenance loop finds the keys
-- whose material is due through ListKeysDue.
ALTER TABLE keys ADD COLUMN material_expires INTEGER;
CREATE INDEX keys_material_due ON keys (material_expires) WHERE material_expires IS NOT NULL;
