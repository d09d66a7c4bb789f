CREATE TABLE `merged_records` (
	`system` text NOT NULL,
	`object` text NOT NULL,
	`external_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`merged_at` integer NOT NULL,
	PRIMARY KEY(`system`, `object`, `external_id`)
);
--> statement-breakpoint
CREATE INDEX `merged_records_contact` ON `merged_records` (`contact_id`);--> statement-breakpoint
ALTER TABLE `links` ADD `created_by_hub` integer DEFAULT false NOT NULL;