CREATE TABLE `record_merges` (
	`id` text PRIMARY KEY NOT NULL,
	`contact_id` text NOT NULL,
	`system` text NOT NULL,
	`object` text NOT NULL,
	`primary_id` text NOT NULL,
	`merged_ids` text NOT NULL,
	`survivor_id` text,
	`status` text NOT NULL,
	`error` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `record_merges_contact` ON `record_merges` (`contact_id`,`created_at`);