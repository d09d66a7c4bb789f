CREATE TABLE `contacts` (
	`id` text PRIMARY KEY NOT NULL,
	`golden` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `cursors` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`contact_id` text NOT NULL,
	`system` text NOT NULL,
	`object` text NOT NULL,
	`external_id` text,
	`operation` text NOT NULL,
	`error` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dead_letters_status` ON `dead_letters` (`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `inbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_key` text NOT NULL,
	`system` text NOT NULL,
	`object` text NOT NULL,
	`external_id` text NOT NULL,
	`kind` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`processed_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbox_event_key_unique` ON `inbox` (`event_key`);--> statement-breakpoint
CREATE INDEX `inbox_status` ON `inbox` (`status`,`id`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`params` text NOT NULL,
	`progress` text NOT NULL,
	`checkpoint` text,
	`errors` text NOT NULL,
	`cancel_requested` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `jobs_kind` ON `jobs` (`kind`,`created_at`);--> statement-breakpoint
CREATE TABLE `links` (
	`system` text NOT NULL,
	`object` text NOT NULL,
	`external_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`observed` text NOT NULL,
	`last_synced_at` integer,
	PRIMARY KEY(`system`, `object`, `external_id`),
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `links_contact` ON `links` (`contact_id`);--> statement-breakpoint
CREATE TABLE `match_keys` (
	`kind` text NOT NULL,
	`value` text NOT NULL,
	`contact_id` text NOT NULL,
	PRIMARY KEY(`kind`, `value`, `contact_id`),
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `match_keys_contact` ON `match_keys` (`contact_id`);