ALTER TABLE `contacts` ADD `version` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `contacts` ADD `held_until` integer;--> statement-breakpoint
-- Written by hand (drizzle-kit does not model triggers). One writer per person: a save
-- writes the version it read plus one, so a person saved by anyone else since is refused and
-- the whole batch (one transaction on D1 and SQLite) with it.
CREATE TRIGGER `contacts_stale_save` BEFORE UPDATE OF `version` ON `contacts`
WHEN NEW.`version` <> OLD.`version` + 1
BEGIN
  SELECT RAISE(ABORT, 'tsunagu: stale person');
END;--> statement-breakpoint
-- A person read at some version and saved again after someone deleted them (merged away,
-- erased) is not brought back. New people are written at version 1.
CREATE TRIGGER `contacts_saved_after_delete` BEFORE INSERT ON `contacts`
WHEN NEW.`version` <> 1 AND NOT EXISTS (SELECT 1 FROM `contacts` WHERE `id` = NEW.`id`)
BEGIN
  SELECT RAISE(ABORT, 'tsunagu: stale person');
END;--> statement-breakpoint
-- A record belongs to one person: a save that links it to another lost a race (two batches
-- made a person each for one new record). Merges delete the loser first, so its links are
-- inserted afresh for the winner and never move by update.
CREATE TRIGGER `links_one_person` BEFORE UPDATE OF `contact_id` ON `links`
WHEN NEW.`contact_id` <> OLD.`contact_id`
BEGIN
  SELECT RAISE(ABORT, 'tsunagu: stale person (record linked to another person)');
END;
