CREATE TABLE `merges` (
	`id` text PRIMARY KEY NOT NULL,
	`winner_id` text NOT NULL,
	`loser` text NOT NULL,
	`moved` text NOT NULL,
	`reason` text NOT NULL,
	`evidence` text,
	`created_at` integer NOT NULL,
	`undone_at` integer
);
--> statement-breakpoint
CREATE INDEX `merges_winner` ON `merges` (`winner_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `inbox` ADD `detail` text;