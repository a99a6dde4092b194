<?php
/**
 * Plugin Name:       PostFlow
 * Plugin URI:        https://github.com/postflow/postflow
 * Description:       Shares your articles and WooCommerce products to social networks through your own PostFlow (a self-hosted social media scheduler).
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.0
 * Author:            PostFlow
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       postflow
 * Domain Path:       /languages
 *
 * @package PostFlow
 */

defined( 'ABSPATH' ) || exit;

define( 'POSTFLOW_VERSION', '0.1.0' );
define( 'POSTFLOW_FILE', __FILE__ );

foreach ( array( 'signer', 'retry-policy', 'payload', 'share-settings', 'connection', 'client', 'outbox', 'events', 'editor', 'bulk', 'settings-page' ) as $postflow_part ) {
	require_once __DIR__ . '/includes/class-postflow-' . $postflow_part . '.php';
}
unset( $postflow_part );

register_activation_hook( __FILE__, 'postflow_activate' );
register_deactivation_hook( __FILE__, 'postflow_deactivate' );

/**
 * Creates the outbox table and the options.
 */
function postflow_activate() {
	Postflow_Outbox::install();
	Postflow_Connection::create_options();
	// Events kept while the plugin was inactive go out again.
	Postflow_Outbox::schedule_next();
}

/**
 * Stops the retry runs; waiting events stay in the table for when the plugin comes back.
 */
function postflow_deactivate() {
	wp_clear_scheduled_hook( Postflow_Outbox::HOOK );
	if ( function_exists( 'as_unschedule_all_actions' ) ) {
		as_unschedule_all_actions( Postflow_Outbox::HOOK, array(), 'postflow' );
	}
}

/**
 * Loads the translations.
 */
function postflow_load_textdomain() {
	load_plugin_textdomain( 'postflow', false, dirname( plugin_basename( __FILE__ ) ) . '/languages' );
}

add_action( 'init', 'postflow_load_textdomain' );
add_action( 'init', array( 'Postflow_Share_Settings', 'register' ) );
add_action( 'plugins_loaded', array( 'Postflow_Outbox', 'maybe_upgrade' ) );
add_action( Postflow_Outbox::HOOK, array( 'Postflow_Outbox', 'run' ) );
Postflow_Events::register();
Postflow_Editor::register();
if ( is_admin() ) {
	Postflow_Settings_Page::register();
	// On admin_init: post types a theme registers on init get the bulk action too.
	add_action( 'admin_init', array( 'Postflow_Bulk', 'register' ) );
}
